"""Coded values of the synthetic NRLS-like corpus and the distributions they follow.

Everything here is plain data: category shares (near published NRLS figures),
subcategories, the neighbour map used for noisy coding, care settings,
locations, specialties, age bands and harm levels.
"""

from __future__ import annotations

ACCESS = "Access, admission, transfer, discharge (including missing patient)"
ASSESS = "Clinical assessment (including diagnosis, scans, tests, assessments)"
CONSENT = "Consent, communication, confidentiality"
DISRUPT = "Disruptive, aggressive behaviour (includes patient-to-patient)"
DOCS = "Documentation (including electronic and paper records, identification and drug charts)"
CARE = "Implementation of care and ongoing monitoring / review"
INFECT = "Infection Control Incident"
INFRA = "Infrastructure (including staffing, facilities, environment)"
DEVICE = "Medical device / equipment"
MEDS = "Medication"
ABUSE = "Patient abuse (by staff / third party)"
ACCIDENT = "Patient accident"
SELFHARM = "Self-harming behaviour"
TREAT = "Treatment, procedure"
OTHER = "Other"

#: The 15 NRLS level-1 incident categories (IN05_LVL1), in a fixed order.
CATEGORIES: tuple[str, ...] = (
    ACCESS, ASSESS, CONSENT, DISRUPT, DOCS, CARE, INFECT, INFRA,
    DEVICE, MEDS, ABUSE, ACCIDENT, SELFHARM, TREAT, OTHER,
)

#: Share of reports per category, near published NRLS figures (sums to 1).
CATEGORY_SHARES: dict[str, float] = {
    ACCIDENT: 0.26, MEDS: 0.11, TREAT: 0.11, CARE: 0.09, ACCESS: 0.08, ASSESS: 0.07,
    DOCS: 0.05, INFRA: 0.05, DISRUPT: 0.04, SELFHARM: 0.03, CONSENT: 0.03, DEVICE: 0.03,
    INFECT: 0.015, ABUSE: 0.01, OTHER: 0.025,
}

#: Level-2 subcategories (IN05_LVL2) with relative weights.
SUBCATEGORIES: dict[str, list[tuple[str, float]]] = {
    ACCESS: [("Missing patient / absconded", 2), ("Discharge problem", 4), ("Delay or failure in admission", 2),
             ("Transfer problem", 3), ("Failure or delay in referral / follow-up", 2)],
    ASSESS: [("Delayed or missed diagnosis", 3), ("Test result not acted on", 3),
             ("Specimen labelling / handling", 2), ("Scan / imaging problem", 2)],
    CONSENT: [("Communication between staff", 3), ("Communication with patient or relatives", 3),
              ("Consent not obtained or incomplete", 2), ("Breach of confidentiality", 2)],
    DISRUPT: [("Verbal abuse", 3), ("Physical assault on staff", 3), ("Patient-to-patient aggression", 2),
              ("Threatening or intimidating behaviour", 2)],
    DOCS: [("Records missing or incomplete", 3), ("Wrong patient identification", 2),
           ("Drug chart documentation", 2), ("Information filed in wrong notes", 1)],
    CARE: [("Pressure ulcer", 4), ("Failure to monitor / escalate", 4), ("Nutrition and hydration", 2),
           ("Inadequate handover", 2)],
    INFECT: [("Healthcare associated infection", 3), ("Outbreak / isolation issue", 3),
             ("Hand hygiene / PPE", 2), ("Sharps and contamination", 2)],
    INFRA: [("Staffing shortage", 4), ("Bed availability", 3), ("Facilities / environment", 2),
            ("IT system failure", 2)],
    DEVICE: [("Device failure / malfunction", 4), ("User error with device", 2),
             ("Device not available", 2), ("Incorrect set-up / programming", 2)],
    MEDS: [("Omitted / delayed medicine", 4), ("Wrong dose / strength", 3), ("Wrong medicine", 2),
           ("Prescribing error", 2), ("Monitoring / high-risk medicine", 2)],
    ABUSE: [("Alleged abuse by staff", 2), ("Abuse by third party", 2), ("Safeguarding concern", 3),
            ("Neglect", 1)],
    ACCIDENT: [("Slips, trips, falls and collisions", 8), ("Contact with object / equipment", 1),
               ("Burns and scalds", 1), ("Choking / aspiration", 1)],
    SELFHARM: [("Self-harm by cutting", 3), ("Ligature", 2), ("Overdose / ingestion", 3),
               ("Attempted suicide", 1)],
    TREAT: [("Wrong site / side / patient", 1), ("Complication of procedure", 3), ("Delay in treatment", 3),
            ("Cannula / line / tube problem", 3), ("Procedure cancelled or failed", 2)],
    OTHER: [("Other", 3), ("Unclassified / not specified", 1)],
}

#: Plausible neighbouring categories a reporter might code instead (noisy coding).
NEIGHBOURS: dict[str, list[str]] = {
    ACCESS: [CARE, CONSENT, TREAT, DISRUPT],
    ASSESS: [TREAT, CARE, DOCS],
    CONSENT: [DOCS, ACCESS, TREAT],
    DISRUPT: [ABUSE, SELFHARM, ACCIDENT],
    DOCS: [MEDS, CONSENT, ASSESS],
    CARE: [TREAT, ASSESS, ACCIDENT, INFRA],
    INFECT: [CARE, TREAT, INFRA],
    INFRA: [CARE, DEVICE, ACCESS],
    DEVICE: [TREAT, INFRA, MEDS],
    MEDS: [TREAT, DOCS, CARE],
    ABUSE: [DISRUPT, CARE, CONSENT],
    ACCIDENT: [CARE, TREAT, DEVICE],
    SELFHARM: [DISRUPT, MEDS, ACCIDENT],
    TREAT: [CARE, ASSESS, MEDS, DEVICE],
    OTHER: [CARE, TREAT, INFRA, CONSENT],
}

ACUTE = "Acute / general hospital"
MENTAL = "Mental health service"
COMMUNITY = "Community nursing/medical/therapy"
AMBULANCE = "Ambulance service"
GP = "General practice"
PHARMACY = "Community pharmacy"
LEARNING = "Learning disabilities service"
OPTOM = "Community optometry / optician service"

#: Care settings (RP02).
CARE_SETTINGS: tuple[str, ...] = (ACUTE, MENTAL, COMMUNITY, AMBULANCE, GP, PHARMACY, LEARNING, OPTOM)

#: Base share of reports per care setting.
SETTING_BASE: dict[str, float] = {
    ACUTE: 0.70, MENTAL: 0.10, COMMUNITY: 0.10, AMBULANCE: 0.02, GP: 0.03, PHARMACY: 0.015,
    LEARNING: 0.01, OPTOM: 0.005,
}

#: Multipliers on the setting base per category (1.0 where not listed).
SETTING_BOOST: dict[str, dict[str, float]] = {
    SELFHARM: {MENTAL: 14.0, LEARNING: 4.0, ACUTE: 0.4},
    DISRUPT: {MENTAL: 5.0, LEARNING: 4.0, AMBULANCE: 2.0},
    ABUSE: {MENTAL: 3.0, LEARNING: 5.0, COMMUNITY: 2.0},
    MEDS: {PHARMACY: 6.0, GP: 2.5, COMMUNITY: 1.5},
    CARE: {COMMUNITY: 3.0},
    ACCESS: {MENTAL: 1.5, AMBULANCE: 2.0},
    TREAT: {MENTAL: 0.2, PHARMACY: 0.1},
    INFECT: {MENTAL: 0.5, PHARMACY: 0.1},
    DEVICE: {AMBULANCE: 2.0, MENTAL: 0.2},
    ASSESS: {GP: 3.0, AMBULANCE: 2.0, OPTOM: 3.0},
    ACCIDENT: {PHARMACY: 0.05, GP: 0.2},
}

#: Locations (IN03_LVL1) per care setting, with weights.
LOCATIONS: dict[str, list[tuple[str, float]]] = {
    ACUTE: [("Inpatient ward", 10), ("A&E", 2), ("Operating theatre", 1.5), ("Outpatient clinic", 1),
            ("Day surgery unit", 0.5), ("Intensive care unit", 0.8), ("X-ray / imaging department", 0.5),
            ("Maternity unit", 0.7), ("Corridor / public area", 0.3)],
    MENTAL: [("Inpatient ward", 8), ("Patient's home", 2), ("Community mental health team base", 1),
             ("Section 136 suite", 0.5), ("Garden / grounds", 0.4)],
    COMMUNITY: [("Patient's home", 8), ("Care home", 3), ("Community hospital ward", 2), ("Clinic", 1)],
    AMBULANCE: [("Ambulance", 4), ("Patient's home", 3), ("Public place", 1.5), ("A&E", 1)],
    GP: [("GP surgery", 8), ("Patient's home", 1), ("Telephone consultation", 1)],
    PHARMACY: [("Community pharmacy", 9), ("Patient's home", 1)],
    LEARNING: [("Residential home", 5), ("Day centre", 2), ("Inpatient ward", 2)],
    OPTOM: [("Optician practice", 9), ("Patient's home", 1)],
}

#: Specialties (PD05_LVL1) per care setting, with weights.
SPECIALTIES: dict[str, list[tuple[str, float]]] = {
    ACUTE: [("General medicine", 6), ("Elderly care", 4), ("General surgery", 3), ("Trauma and orthopaedics", 2),
            ("Emergency medicine", 2), ("Obstetrics and gynaecology", 1.2), ("Paediatrics", 1),
            ("Critical care", 0.8), ("Anaesthetics", 0.6), ("Oncology", 0.6), ("Cardiology", 0.8),
            ("Radiology", 0.4)],
    MENTAL: [("Adult mental health", 6), ("Older adult mental health", 2), ("Child and adolescent mental health", 1),
             ("Forensic psychiatry", 0.7)],
    COMMUNITY: [("District nursing", 6), ("Community therapy", 1.5), ("Palliative care", 1),
                ("Health visiting", 0.5)],
    AMBULANCE: [("Emergency ambulance", 5), ("Patient transport service", 1), ("NHS 111", 1)],
    GP: [("General practice", 9), ("Practice nursing", 1)],
    PHARMACY: [("Pharmacy", 9)],
    LEARNING: [("Learning disabilities", 9)],
    OPTOM: [("Ophthalmology", 9)],
}

#: Multipliers on specialties per category, so that specialty agrees with category.
SPECIALTY_BOOST: dict[str, dict[str, float]] = {
    TREAT: {"General surgery": 3.0, "Trauma and orthopaedics": 2.5, "Anaesthetics": 4.0, "Critical care": 2.0,
            "Obstetrics and gynaecology": 2.0, "Radiology": 2.0, "Elderly care": 0.5},
    ACCIDENT: {"Elderly care": 3.0, "Trauma and orthopaedics": 1.5, "Older adult mental health": 3.0,
               "Paediatrics": 0.3, "Obstetrics and gynaecology": 0.2},
    MEDS: {"General medicine": 1.5, "Oncology": 2.0, "Paediatrics": 1.5},
    ASSESS: {"Emergency medicine": 3.0, "Radiology": 4.0, "General practice": 2.0},
    ACCESS: {"Emergency medicine": 2.0, "Elderly care": 1.5},
    SELFHARM: {"Child and adolescent mental health": 2.5, "Adult mental health": 1.5, "Emergency medicine": 3.0},
    DISRUPT: {"Emergency medicine": 3.0, "Forensic psychiatry": 3.0},
    CARE: {"Elderly care": 2.0, "District nursing": 1.5, "Critical care": 1.5},
    INFECT: {"General medicine": 1.5, "Elderly care": 1.5, "Critical care": 2.0},
    DEVICE: {"Critical care": 3.0, "Anaesthetics": 2.0, "Emergency ambulance": 1.5},
}

#: Age bands (DV01) and sex (PD02).
AGE_BANDS: tuple[str, ...] = ("0-4", "5-17", "18-34", "35-54", "55-64", "65-74", "75-84", "85+", "Not known")
AGE_RANGES: dict[str, tuple[int, int]] = {
    "0-4": (0, 4), "5-17": (5, 17), "18-34": (18, 34), "35-54": (35, 54), "55-64": (55, 64),
    "65-74": (65, 74), "75-84": (75, 84), "85+": (85, 99), "Not known": (30, 80),
}
AGE_ADULT: tuple[float, ...] = (0.0, 0.0, 0.12, 0.16, 0.12, 0.16, 0.2, 0.14, 0.10)
AGE_OLDER: tuple[float, ...] = (0.0, 0.0, 0.01, 0.04, 0.07, 0.18, 0.33, 0.30, 0.07)
AGE_CHILD: tuple[float, ...] = (0.45, 0.45, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.10)
AGE_YOUNG: tuple[float, ...] = (0.0, 0.15, 0.45, 0.28, 0.06, 0.02, 0.01, 0.0, 0.03)
AGE_MATERNITY: tuple[float, ...] = (0.0, 0.02, 0.6, 0.35, 0.0, 0.0, 0.0, 0.0, 0.03)
SEXES: tuple[str, ...] = ("Female", "Male", "Not known")

#: Degree of harm (PD09) as coded text and the target share of each level.
HARM_LEVELS: tuple[str, ...] = ("1 No harm", "2 Low", "3 Moderate", "4 Severe", "5 Death")
HARM_TARGET: tuple[float, ...] = (0.68, 0.25, 0.06, 0.008, 0.002)

#: Per-category multipliers on the true-harm distribution (before organisation coding bias).
HARM_TILT: dict[str, tuple[float, ...]] = {
    ACCIDENT: (0.85, 1.45, 1.2, 1.6, 1.0),
    MEDS: (1.1, 0.8, 0.7, 0.6, 0.6),
    TREAT: (0.9, 1.1, 1.5, 1.3, 1.2),
    CARE: (0.85, 1.2, 1.6, 1.5, 1.5),
    ACCESS: (1.1, 0.75, 0.8, 0.6, 0.8),
    ASSESS: (0.95, 0.9, 1.5, 1.8, 1.8),
    DOCS: (1.25, 0.45, 0.3, 0.2, 0.1),
    INFRA: (1.25, 0.5, 0.4, 0.2, 0.1),
    DISRUPT: (1.0, 1.1, 0.5, 0.3, 0.1),
    SELFHARM: (0.6, 1.6, 2.0, 2.5, 3.0),
    CONSENT: (1.25, 0.5, 0.3, 0.2, 0.1),
    DEVICE: (1.15, 0.7, 0.8, 0.8, 0.5),
    INFECT: (0.8, 1.4, 1.6, 1.0, 1.5),
    ABUSE: (0.9, 1.2, 1.2, 0.8, 0.2),
    OTHER: (1.2, 0.6, 0.4, 0.3, 0.3),
}
