"""Words and sentence templates of the synthetic incident grammar.

Slots are listed in :data:`LEXICON`; sentences per category live in
:data:`CORE` (by subcategory), :data:`CORE_SHARED` (any subcategory of a
category) and :data:`BRIDGES` (events that could honestly be coded to either of
two neighbouring categories). No template contains a person's name or a calendar
date: those only enter through the ``@`` identifier slots, so every one is
recorded in the ground truth.
"""

from __future__ import annotations

from incident_lm.synthetic import vocab as v
from incident_lm.synthetic.grammar import Context, Stream

# ---------------------------------------------------------------------------
# Dynamic slots
# ---------------------------------------------------------------------------


def _time(s: Stream, ctx: Context, out: list) -> None:
    h, m = s.below(24), s.pick((0, 0, 5, 10, 15, 20, 25, 30, 30, 35, 40, 45, 50, 55, 12, 47))
    r = s.u()
    if r < 0.5:
        out.append(f"{h:02d}:{m:02d}")
    elif r < 0.75:
        out.append(f"{h:02d}{m:02d}")
    elif r < 0.85:
        out.append(f"{h:02d}{m:02d}hrs")
    elif r < 0.93:
        out.append(f"{h:02d}.{m:02d}")
    else:
        h12 = h % 12 or 12
        mins = f":{m:02d}" if m else ""
        out.append(f"{h12}{mins}{'am' if h < 12 else 'pm'}")


def _news(s: Stream, ctx: Context, out: list) -> None:
    score = s.pick((0, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 7, 8, 9))
    out.append(s.pick(("NEWS2 ", "NEWS2 ", "NEWS ", "NEWS2 score ", "NEWS2 of ", "news ")) + str(score))


def _vitals(s: Stream, ctx: Context, out: list) -> None:
    parts = []
    if s.u() < 0.8:
        sys_bp = 85 + s.below(90)
        parts.append(f"BP {sys_bp}/{40 + s.below(min(60, sys_bp - 45))}")
    if s.u() < 0.7:
        parts.append(f"{s.pick(('HR', 'HR', 'pulse', 'P'))} {52 + s.below(80)}")
    if s.u() < 0.6:
        parts.append(f"{s.pick(('sats', 'SpO2', 'sats', 'O2 sats'))} {86 + s.below(14)}%"
                     + s.pick(("", " on air", " on 2L", " RA", " on 4L NC")))
    if s.u() < 0.4:
        parts.append(f"{s.pick(('RR', 'resps'))} {12 + s.below(20)}")
    if s.u() < 0.35:
        parts.append(f"temp {35 + s.below(5)}.{s.below(10)}")
    if not parts:
        parts.append(f"BP {90 + s.below(80)}/{50 + s.below(35)}")
    out.append(s.pick((", ", " ", ", ")).join(parts))


def _bm(s: Stream, ctx: Context, out: list) -> None:
    out.append(s.pick(("BM ", "BM of ", "CBG ", "blood glucose ", "BM ")) + f"{1 + s.below(25)}.{s.below(10)}")


def _num(s: Stream, ctx: Context, out: list) -> None:
    out.append(str(2 + s.below(9)))


def _mins(s: Stream, ctx: Context, out: list) -> None:
    out.append(str(s.pick((5, 10, 15, 20, 20, 30, 30, 40, 45, 60, 90))))


def _hours(s: Stream, ctx: Context, out: list) -> None:
    out.append(str(s.pick((2, 3, 4, 4, 6, 8, 10, 12, 14, 18, 24, 36, 48))))


def _bay(s: Stream, ctx: Context, out: list) -> None:
    r = s.u()
    if r < 0.5:
        out.append(f"bay {1 + s.below(6)}")
    elif r < 0.8:
        out.append(f"side room {1 + s.below(12)}")
    else:
        out.append(f"bed {1 + s.below(30)}")


def _ward_no(s: Stream, ctx: Context, out: list) -> None:
    out.append(s.pick(("Ward ", "ward ", "Ward ")) + str(1 + s.below(40)) + s.pick(("", "", "", "A", "B")))


# ---------------------------------------------------------------------------
# Static slots: (full, abbreviated) pairs pick the abbreviated list with the report's propensity
# ---------------------------------------------------------------------------

LEXICON: dict[str, object] = {
    "time": _time, "news": _news, "vitals": _vitals, "bm": _bm, "num": _num, "mins": _mins, "hours": _hours,
    "bay": _bay,
    "pt": (["the patient", "the patient", "patient", "the service user", "the pt"],
           ["pt", "pt", "pt", "Pt", "the pt", "pt", "pat"]),
    "pts": (["the patient's", "patient's", "the patient's"], ["pt's", "pts", "pt's", "Pt's"]),
    "obs": (["observations", "clinical observations", "vital signs", "a set of observations"],
            ["obs", "obs", "NEWS2 obs", "a set of obs", "OBS", "vital obs"]),
    "dr": (["the doctor", "the on call doctor", "the medical registrar", "the FY1", "the surgical SHO",
            "the consultant", "the night SHO", "the ward doctor", "the junior doctor"],
           ["Dr", "dr", "FY1", "FY2", "SHO", "SpR", "med reg", "reg", "on call dr", "CT1", "ANP", "the F1"]),
    "nurse": (["the nurse in charge", "the staff nurse", "the ward manager", "the night coordinator",
               "the bank nurse", "the agency nurse", "a student nurse", "the senior sister", "the HCA"],
              ["NIC", "SN", "RN", "HCA", "CSW", "staff nurse", "nurse in charge", "bank HCA", "the HCA", "S/N"]),
    "staff": ["{nurse}", "{nurse}", "{dr}", "the HCA", "the physio", "a student nurse", "the porter",
              "the night team", "day staff", "the pharmacist", "the OT", "the bank HCA"],
    "family": (["the family", "next of kin", "the patient's daughter", "the patient's son", "the patient's husband",
                "the patient's wife", "the carer", "the family"],
               ["NOK", "family", "daughter", "son", "husband", "wife", "carer", "relatives"]),
    "outreach": ["outreach", "CCOT", "the outreach team", "critical care outreach", "the MET team"],
    "ward": ["Oak ward", "Beech ward", "Cedar ward", "Elm ward", "Larch ward", "Maple ward", "Birch ward",
             "Sycamore ward", "Chestnut ward", "Kingfisher ward", "Heron ward", "Osprey ward", "Puffin unit",
             "AMU", "CCU", "SAU", "MAU", "the stroke unit", "the discharge lounge", "{ward_no}", "{ward_no}",
             "{ward_no}", "the frailty unit", "ITU", "the renal ward", "the ortho ward"],
    "ward_no": _ward_no,
    "shift": ["night shift", "late shift", "early shift", "long day", "night", "weekend", "bank holiday weekend",
              "twilight shift", "nights", "late"],
    "when": ["during the night", "overnight", "this morning", "this afternoon", "at handover", "at {time}",
             "at {time}", "at {time}", "around {time}", "approx {time}", "on the {shift}", "during visiting",
             "at change of shift", "at approx {time}", "@ {time}", "earlier today", "at the start of the shift"],
    "condition": ["chest pain", "SOB", "a UTI", "a chest infection", "sepsis", "confusion", "AKI",
                  "an exacerbation of COPD", "abdominal pain", "cellulitis", "an upper GI bleed", "DKA", "a stroke",
                  "pneumonia", "heart failure", "a fractured wrist", "delirium", "reduced mobility",
                  "vomiting and diarrhoea", "a head injury", "hypoglycaemia", "pyelonephritis",
                  "an infected leg ulcer", "a fall at home", "low haemoglobin", "oesophageal varices",
                  "a small bowel obstruction", "acute confusion", "a paediatric asthma attack", "a PE"],
    "pmh": ["dementia", "type 2 diabetes", "AF on apixaban", "COPD", "CKD stage 3", "epilepsy",
            "learning disabilities", "previous falls", "a history of self harm", "schizophrenia",
            "bipolar affective disorder", "alcohol dependence", "heart failure", "osteoporosis", "previous CVA",
            "hypertension", "type 1 diabetes", "a known latex allergy", "a penicillin allergy", "visual impairment"],
    "drug_name": ["enoxaparin", "dalteparin", "insulin", "Novorapid", "Lantus", "morphine", "oxycodone",
                  "paracetamol", "gentamicin", "vancomycin", "co-amoxiclav", "tazocin", "amoxicillin", "metformin",
                  "warfarin", "apixaban", "rivaroxaban", "levothyroxine", "furosemide", "bisoprolol", "amlodipine",
                  "ramipril", "digoxin", "lorazepam", "haloperidol", "clozapine", "lithium", "methotrexate",
                  "prednisolone", "hydrocortisone", "potassium chloride", "levetiracetam", "oramorph", "fentanyl",
                  "buprenorphine", "heparin", "midazolam", "cyclizine", "ondansetron", "omeprazole", "lansoprazole",
                  "salbutamol", "co-codamol", "sertraline", "olanzapine", "aripiprazole", "diazepam", "tramadol",
                  "ceftriaxone", "meropenem", "clarithromycin", "doxycycline", "alendronic acid", "Sinemet"],
    "drug": ["enoxaparin [40mg|20mg|80mg|60mg] [SC|sc|s/c]", "dalteparin [5000|2500|7500] units SC",
             "[Novorapid|insulin aspart|Humalog] [4|6|8|10|12|14] units", "[Lantus|Levemir|insulin glargine] "
             "[10|16|20|24|30] units", "insulin [10|20|6] units", "morphine [10mg|5mg|2.5mg|20mg] [PO|SC|IV]",
             "oramorph [5mg|10mg|2.5mg] PO PRN", "oxycodone [5mg|10mg|20mg] [PO|MR]",
             "paracetamol [1g|500mg] [IV|PO]", "gentamicin [360mg|280mg|400mg|5mg/kg] IV",
             "vancomycin [1g|1.5g|750mg] IV", "co-amoxiclav [1.2g IV|625mg PO]", "tazocin 4.5g IV",
             "amoxicillin [500mg|1g] PO", "metformin [500mg|1g] PO", "warfarin [3mg|5mg|1mg|7mg]",
             "apixaban [5mg|2.5mg] [BD|PO]", "rivaroxaban [20mg|15mg] OD", "levothyroxine [50mcg|100mcg]",
             "furosemide [40mg|80mg] [IV|PO]", "bisoprolol [2.5mg|5mg]", "digoxin [125mcg|62.5mcg]",
             "lorazepam [1mg|0.5mg|2mg] [PO|IM]", "haloperidol [2.5mg|5mg] IM", "clozapine [100mg|200mg|300mg]",
             "lithium [400mg|800mg]", "methotrexate [10mg|15mg|7.5mg] weekly", "prednisolone [30mg|40mg|5mg]",
             "hydrocortisone 100mg IV", "potassium chloride [40mmol|20mmol] IV", "Sando-K 2 tabs",
             "levetiracetam [500mg|750mg|1g] BD", "fentanyl [12|25] mcg patch", "buprenorphine [5|10] mcg patch",
             "heparin infusion", "midazolam [2mg|2.5mg|5mg] [IV|SC|buccal]", "cyclizine 50mg [IV|PO]",
             "ondansetron 4mg [IV|PO]", "omeprazole [20mg|40mg]", "salbutamol 5mg nebs", "co-codamol 30/500",
             "sertraline [50mg|100mg]", "olanzapine [5mg|10mg]", "diazepam [2mg|5mg|10mg]",
             "tramadol [50mg|100mg]", "ceftriaxone [2g|1g] IV", "meropenem 1g IV", "Sinemet [62.5mg|125mg]",
             "clarithromycin 500mg IV", "IV fluids [1L|500ml] 0.9% saline", "teicoplanin 400mg IV",
             "IVAB", "TTO meds"],
    "hr_drug": ["insulin", "warfarin", "enoxaparin", "gentamicin", "morphine", "oxycodone", "methotrexate",
                "potassium chloride", "a heparin infusion", "lithium", "clozapine", "digoxin", "vancomycin",
                "Sinemet", "levetiracetam", "apixaban", "midazolam", "fentanyl patch"],
    "route": ["IV", "PO", "SC", "IM", "via NG", "via PEG", "PR", "topically"],
    "chart": (["drug chart", "medication chart", "prescription chart", "EPMA record", "drug chart"],
              ["drug chart", "MAR chart", "MAR chart", "kardex", "EPMA", "med chart", "drug kardex", "chart"]),
    "round": (["the medication round", "the drug round", "the morning medication round", "the lunchtime round"],
              ["the drug round", "meds round", "the 0800 meds", "the 2200 meds round", "the drug round"]),
    "scan": ["CT head", "CT", "MRI", "CT abdo", "chest X-ray", "CXR", "ultrasound", "CTPA", "MRI spine",
             "X-ray", "echo", "CT KUB", "MRI head"],
    "bloods": (["the blood results", "the blood tests", "the routine bloods", "the potassium result",
                "the haemoglobin result", "the INR result", "the troponin"],
               ["bloods", "U&Es", "FBC", "the K+", "Hb", "INR", "trop", "CRP", "the lactate", "LFTs"]),
    "device": ["infusion pump", "syringe driver", "hoist", "pressure relieving mattress", "glucometer",
               "BP machine", "sats probe", "suction unit", "defibrillator", "volumetric pump", "PCA pump",
               "feeding pump", "bed rails", "profiling bed", "ECG machine", "NIV machine", "commode",
               "wheelchair", "sensor mat", "bladder scanner", "thermometer", "call bell"],
    "procedure": ["NG tube insertion", "cannulation", "catheterisation", "a chest drain insertion", "an ascitic tap",
                  "a lumbar puncture", "an OGD", "a colonoscopy", "a central line insertion", "an arterial line",
                  "a PICC line insertion", "the hip replacement", "the laparoscopic cholecystectomy",
                  "the appendicectomy", "a skin biopsy", "the caesarean section", "the cataract operation",
                  "a blood transfusion", "a knee arthroscopy", "an epidural", "the tonsillectomy"],
    "line": ["cannula", "venflon", "PICC line", "central line", "NG tube", "catheter", "PEG tube", "chest drain",
             "arterial line", "tunnelled line", "midline", "IDC", "suprapubic catheter", "tracheostomy tube"],
    "injury": ["a skin tear", "a bruise", "a graze", "a haematoma", "a laceration", "a bump on the head",
               "a red mark", "swelling", "pain in the hip", "a cut to the forehead"],
    "body": ["hip", "head", "forehead", "left arm", "right arm", "knee", "shin", "elbow", "wrist", "back",
             "shoulder", "sacrum", "face", "ankle"],
    "mobility": ["a zimmer frame", "a walking stick", "a frame", "supervision of one", "assistance of two",
                 "a hoist", "a wheelchair", "one crutch", "a rollator"],
    "reason": ["to go to the toilet", "to get a drink", "to go to the bathroom", "to reach {pts} table",
               "to get back into bed", "when transferring to the chair", "while walking to the bathroom",
               "trying to climb over the bed rails", "to answer the phone", "while confused",
               "while waiting for the hoist", "while getting dressed", "during the night"],
    "noticed": ["noticed", "found", "identified", "discovered", "saw", "realised", "spotted"],
    "escalated": ["informed", "escalated to", "bleeped", "contacted", "called", "rang",
                  "discussed with", "handed over to"],
    "reviewed": ["reviewed {pt}", "attended and reviewed", "reviewed", "will review", "came to review",
                 "reviewed on the ward", "assessed {pt}", "reviewed {pt} and documented in notes"],
    "delay": ["over {hours} hours", "{hours} hours", "more than {hours} hrs", "{hours} hrs", "{mins} minutes",
              "a long time", "almost {hours} hours"],
    "busy": ["very busy", "extremely busy", "short staffed", "down one RN", "down 2 HCAs", "full",
             "under pressure", "running on minimum staffing", "chaotic", "at OPEL 4"],
    "mh_obs": ["1:1 obs", "level 2 observations", "15 min obs", "eyesight obs", "general observations",
               "2:1 obs", "intermittent obs", "enhanced observations", "level 3 obs", "arms length obs"],
    "mh_status": ["informal", "on a section 2", "detained under section 3", "on S17 leave",
                  "detained under the MHA", "on a CTO", "informal but lacking capacity", "on section 2 MHA",
                  "subject to DoLS"],
    "security": ["security", "the police", "the site team", "the response team", "PMVA team",
                 "the emergency response team", "the duty manager"],
    "pressure_site": ["sacrum", "heels", "left heel", "right heel", "buttocks", "coccyx", "hip", "ear",
                      "elbow", "natal cleft", "right buttock"],
    "pu_grade": ["category 2", "grade 2", "category 3", "grade 3", "unstageable", "a deep tissue injury",
                 "category 4", "moisture lesion", "grade 1", "cat 2"],
    "infection": ["C. diff", "C.diff", "MRSA", "norovirus", "CPE", "VRE", "flu", "COVID-19", "covid",
                  "a wound infection", "ESBL", "Klebsiella", "RSV", "scabies"],
    "it_system": ["EPR", "the electronic patient record", "EPMA", "PAS", "ICE", "the pathology system",
                  "PACS", "the bed management system", "SystmOne", "EMIS", "the network", "the e-obs system"],
    "organisation": ["the organisation", "the trust", "the CCG", "the ICB", "the practice", "the care home",
                     "the local authority"],
    "specimen": ["blood sample", "urine sample", "group and save", "biopsy specimen", "swab", "sputum sample",
                 "blood culture", "crossmatch sample", "histology specimen", "MSU"],
    "ppe": ["gloves", "aprons", "FFP3 masks", "visors", "gowns", "surgical masks"],
    "abuse_act": ["shouted at {pt}", "was rough with {pt} during personal care", "pushed {pt}",
                  "made inappropriate comments to {pt}", "refused to help {pt} to the toilet",
                  "took money from {pt}", "restrained {pt} without following policy",
                  "left {pt} in soiled pads for a prolonged period"],
    "aggress_act": ["punched", "kicked", "spat at", "slapped", "scratched", "headbutted", "bit",
                    "threw a chair at", "threw a cup of tea at", "grabbed the arm of", "pushed"],
    "verbal_act": ["verbally abusive to", "shouting and swearing at", "making threats to", "racially abusive to",
                   "intimidating towards", "sexually inappropriate towards", "hostile towards"],
    "selfharm_method": ["cut {pt_pos} forearms with a broken CD", "cut {pt_pos} arm with a razor blade",
                        "scratched {pt_pos} wrists with a plastic knife", "head banged against the wall",
                        "inserted an object into a wound", "burnt {pt_pos} arm with a lighter",
                        "swallowed batteries", "tied a ligature around {pt_pos} neck",
                        "took an overdose of paracetamol", "took [20|30|32|16] tablets of {drug_name}",
                        "punched the wall repeatedly", "picked at an old wound"],
    "ligature_point": ["the door handle", "the bathroom door", "a shoelace", "a strip torn from a bedsheet",
                       "the shower rail", "a dressing gown cord", "a phone charger cable", "a bra strap"],
    "emerg_pump": ["Volumed Alto pump", "Volumed Alto infusion pump", "volumed alto pump", "Alto pump",
                   "Volumed Alto", "VA pump", "new Volumed pump", "Volumed Alto volumetric pump",
                   "volumed Alto", "new Alto infusion pump"],
    "emerg_fluid": ["the heparin infusion", "the insulin sliding scale", "IV fluids", "the IV paracetamol",
                    "the potassium infusion", "the IVAB", "the TPN", "the GTN infusion", "the noradrenaline",
                    "the vancomycin infusion", "the blood transfusion", "maintenance fluids"],
}

#: Slots filled per report (pronouns, descriptors, setting-dependent phrases).
OVERRIDE_NAMES: tuple[str, ...] = (
    "agent", "agent3", "she", "pt_pos", "pt_obj", "pt_desc", "place", "background", "clinician", "_sex", "_age", "_date",
)

SETTING_GROUP: dict[str, str] = {
    v.ACUTE: "acute", v.MENTAL: "mh", v.LEARNING: "mh", v.COMMUNITY: "community", v.AMBULANCE: "ambulance",
    v.GP: "primary", v.PHARMACY: "primary", v.OPTOM: "primary",
}

#: Setting-group slots, exposed to templates as {place}, {background} and {clinician}.
SETTING_SLOTS: dict[str, dict[str, list[str]]] = {
    "place": {
        "acute": ["on the ward", "in {bay}", "on {ward}", "in the bay", "in {bay} on {ward}", "on the unit",
                  "in A&E", "in resus", "in majors", "in recovery", "in the day room", "in the bathroom"],
        "mh": ["on the unit", "on the ward", "in {pt_pos} bedroom", "in the lounge", "in the garden",
               "in the dining room", "in the seclusion room", "on PICU", "in the corridor", "in the bathroom"],
        "community": ["at home", "at {pts} home", "in the care home", "during the home visit",
                      "in the clinic", "at the nursing home", "during the district nurse visit"],
        "ambulance": ["on scene", "in the back of the ambulance", "at the address", "during conveyance",
                      "in the ambulance", "at handover in A&E"],
        "primary": ["at the surgery", "in the pharmacy", "in clinic", "at the practice", "on the phone",
                    "in the consulting room", "at the counter"],
    },
    "background": {
        "acute": ["{pt_desc} admitted with {condition}", "{pt_desc} admitted [yesterday|{num} days ago] with "
                  "{condition}[?, PMH {pmh}]", "{pt} is a {pt_desc} with {pmh} admitted with {condition}",
                  "{pt} known to have {pmh}", "{pt} was admitted via A&E with {condition}",
                  "{pt_desc}, post op day {num} following {procedure}", "{pt} is medically fit for discharge",
                  "{pt} is on {ward} awaiting a bed", "{pt} had been on the ward for {num} days",
                  "{pt} is NBM", "{pt} is confused and wandering", "{pt} is on end of life care",
                  "DNACPR in place", "{pt} mobilises with {mobility}", "{pt} is bed bound",
                  "{pt} is on a fluid restriction", "{pt} is under the {ward} team", "{pt} has capacity",
                  "{pt} lacks capacity", "{pt} is high falls risk"],
        "mh": ["{pt_desc} {mh_status}", "{pt} is {mh_status} and on {mh_obs}", "{pt} has a diagnosis of "
               "[schizophrenia|EUPD|bipolar affective disorder|psychotic depression|autism]",
               "{pt} had been unsettled all day", "{pt} was nursed on {mh_obs}", "{pt} known to staff",
               "{pt} returned from S17 leave", "{pt} has a history of self harm", "{pt_desc} on the unit",
               "{pt} is a {pt_desc} with {pmh}"],
        "community": ["{pt_desc} on the DN caseload", "{pt} is housebound", "{pt} lives alone with a package of "
                      "care", "{pt} is known to the community team", "{pt} receives [daily|twice daily|QDS] "
                      "visits", "{pt} lives with {pt_pos} [wife|husband|daughter|son]", "{pt_desc} with {pmh}",
                      "{pt} is in a nursing home", "{pt} is on the palliative care register"],
        "ambulance": ["crew called to a {pt_desc} [who had fallen|with {condition}|with chest pain]",
                      "999 call received for {pt_desc}", "crew dispatched to a Cat 2 call",
                      "{pt} was conveyed to A&E", "long wait for an ambulance", "crew arrived on scene"],
        "primary": ["{pt_desc} attended the surgery", "{pt} rang the practice", "{pt_desc} collected a "
                    "prescription", "{pt} was seen by the GP", "{pt} requested a repeat prescription",
                    "{pt_desc} seen in the minor illness clinic", "{pt} has {pmh}"],
    },
    "agent3": {
        "acute": ["{staff}", "{staff}", "{staff}", "the pharmacist", "the physio", "the porter"],
        "mh": ["the RMN", "the HCA", "{nurse}", "the support worker", "the duty doctor", "the OT",
               "the nurse on obs"],
        "community": ["the district nurse", "the carer", "the community nurse", "the HCA", "the DN",
                      "the community matron", "the physio"],
        "ambulance": ["the crew", "the paramedic", "the ECA", "the attending crew", "the technician",
                      "the student paramedic"],
        "primary": ["the GP", "the pharmacist", "the dispenser", "the receptionist", "the practice nurse",
                    "the pharmacy technician", "the locum GP"],
    },
    "clinician": {
        "acute": ["{dr}", "{dr}", "{nurse}", "{outreach}", "the medical team", "the surgical team"],
        "mh": ["the duty doctor", "the RMN", "the nurse in charge", "the on call psychiatrist", "the CPN",
               "the crisis team", "the ward manager", "the RC"],
        "community": ["the GP", "the district nurse", "the community matron", "the OOH GP", "the team leader",
                      "the TVN", "the palliative team"],
        "ambulance": ["the clinical hub", "the crew", "the paramedic", "the senior paramedic",
                      "the receiving hospital", "EOC"],
        "primary": ["the GP", "the pharmacist", "the practice nurse", "the duty doctor", "the practice manager",
                    "the dispenser"],
    },
}

#: Shared narrative sentences used by every category (dilute the category signal).
GENERIC: list[str] = [
    "{background}", "{background}",
    "[On|During the] {shift} {place}[? {pt} was settled]", "{agent} was on {round} {when}",
    "{agent} was doing {obs} {when}", "{agent} was in another bay attending to another patient",
    "{obs} [taken|done|recorded|checked] [and within normal limits|- {news}|: {vitals}|{vitals}]",
    "{vitals}", "{news}, escalated to {clinician}", "{clinician} [informed|made aware|bleeped|contacted|called][ and {reviewed}]",
    "{clinician} {reviewed}", "{family} [informed|made aware|updated|informed by phone|contacted]",
    "[the ward|{ward}|the unit|the department] was {busy}[ at the time]", "{agent} {escalated} {clinician}",
    "[Handed over|Handover given] to [the night team|day staff|the next shift|{clinician}]",
    "[Datix|Incident form|IR1] completed[ by {agent}]", "[Pt|Patient] [settled|comfortable|calm] afterwards",
    "[Care plan|Risk assessment] updated", "Will continue to monitor", "{pt} reassured",
    "[There were|We had] {num} [RNs|nurses|HCAs] for {num}0 patients", "{pt} was [asleep|drowsy|alert] {when}",
    "[Bleep|Ext] {num}{num}{num}{num} [used|called] but no answer initially", "documented in {pts} notes",
    "[discussed|raised] at [the safety huddle|handover|the board round|the MDT]",
    "{staff} was [with|assisting] another patient at the time", "{pt} on {mh_obs}",
    "{pt} had [eaten|had a drink|been to the toilet] [shortly before|earlier|prior to this]",
    "{pt} was [confused|agitated|distressed|tearful|calm|sleepy] [at the time|{when}]",
    "{when} {agent} went to check on {pt}", "{pt} [was|had been] on {drug} [regularly|PRN]",
    "[BP|sats|temp] [rechecked|repeated] after {mins} mins", "{bm}",
]

#: Outcome sentences carrying harm cues, by harm level (0 = no harm ... 4 = death).
OUTCOME: list[list[str]] = [
    ["no harm [caused|to {pt}|came to {pt}|done]", "near miss", "near miss - [error|mistake] [spotted|identified] "
     "before reaching {pt}", "no injury [sustained|noted|apparent]", "no injuries noted on [assessment|top to toe "
     "check]", "{pt} [was|remained] unharmed", "no adverse effects [noted|observed]", "nil harm", "no harm",
     "no apparent harm", "{pt} came to no harm", "intercepted before administration", "no ill effects",
     "no harm - {pt} well", "{obs} stable, no harm", "no [harm|injury] caused [thankfully|fortunately]"],
    ["[small|minor] skin tear to [left|right] [forearm|shin|hand] [dressed|steristripped]",
     "minor bruising to [{body}|the {body}]", "graze to [elbow|knee|{body}], cleaned and dressed",
     "required [additional|extra] {obs} but no lasting [effect|harm]", "minor [injury|harm] only",
     "small laceration, steristrips applied", "{pt} complained of [pain|discomfort], PRN analgesia given",
     "short term minor harm", "red mark [noted|seen] on {body}, no further treatment needed",
     "bump on [the head|{pts} head], head injury obs commenced", "{pt} [was|felt] [anxious|upset] but no injury",
     "slight [swelling|bruising] to {body}", "extra monitoring required for {hours} hrs",
     "{bm} - treated with [hypostop|glucose gel|biscuits] and recovered"],
    ["X-ray confirmed a fractured [wrist|humerus|clavicle|pubic ramus|ankle]", "required sutures to [head|forehead|"
     "scalp] wound", "needed [an antidote|vitamin K|naloxone|IV fluids|additional treatment|a blood transfusion]",
     "length of stay [extended|increased by {num} days]", "[returned|had to return] to theatre",
     "admitted for further treatment", "[grade 3|category 3] pressure ulcer", "moderate harm[, treatment required]",
     "{pt} needed IV antibiotics for [an infection|sepsis]", "readmitted [within 48 hrs|the next day]",
     "{pt} required [a further procedure|surgery|a chest drain]", "Duty of candour [completed|to be completed|"
     "discussed with {family}]", "[AKI|hypoglycaemia|a bleed] [developed|resulted] requiring treatment"],
    ["[CT head|{scan}] showed a [subdural haematoma|intracranial bleed|bleed]", "fractured neck of femur "
     "[confirmed|diagnosed] on X-ray", "[transferred|moved] to [ICU|ITU|HDU]", "required intubation and ventilation",
     "peri-arrest, [outreach|crash team|2222] called", "long term harm [expected|likely]",
     "[grade 4|category 4] pressure ulcer with bone [exposed|visible]", "amputation required", "permanent harm",
     "admitted to [HDU|critical care]", "serious incident declared", "[NOF|#NOF] confirmed, for theatre",
     "{pt} now needs [dialysis|long term care|a PEG]", "life threatening [bleed|reaction|deterioration]"],
    ["{pt} sadly died[ later that day| the following day| in ICU|]", "{pt} died [{when}|in hospital|on the ward]",
     "cardiac arrest, resuscitation unsuccessful", "{pt} passed away[ {when}|]", "death verified by {dr}",
     "referred to [the coroner|the medical examiner]", "{pt} [was|is now] deceased", "2222 call, {pt} could not be "
     "resuscitated", "unexpected death"],
]

#: Sentences that hint at harm without stating it (weak cues).
HARM_HINT: list[list[str]] = [
    ["no further action required", "{pt} unaware of the error", "no change to {obs}", "for information only",
     "reporting for learning"],
    ["{pt} monitored closely", "{pt} [a bit|slightly] [shaken|upset]", "{clinician} asked to review",
     "pain relief given"],
    ["{pt} needed [further treatment|an extra night in hospital]", "[family|NOK] upset and complaint received",
     "{clinician} reviewed and changed the plan", "investigation requested"],
    ["SI [declared|panel convened]", "72 hour report requested", "escalated to [the matron|the exec on call]",
     "{family} called in urgently"],
    ["coroner informed", "bereavement team involved", "SJR requested", "medical examiner informed"],
]

# ---------------------------------------------------------------------------
# Category sentences
# ---------------------------------------------------------------------------

CORE: dict[str, list[str]] = {
    # Access, admission, transfer, discharge
    "Missing patient / absconded": [
        "{pt} [absconded|went AWOL|left the ward] [without telling staff|while staff were busy|{when}]",
        "{pt} was found to be missing from {place} {when}", "{pt} did not return from [S17 leave|escorted leave|"
        "unescorted leave] at the agreed time", "{pt} absconded via [the fire exit|the garden fence|the main "
        "entrance] and [the police were informed|a missing person report was made|{security} informed]",
        "{pt} was located by {security} [after {mins} mins|{hours} hrs later|outside the hospital|in town]",
        "{pt} left the department before being [seen|assessed|treated] and could not be contacted",
        "missing patient procedure [followed|started|initiated]"],
    "Discharge problem": [
        "{pt} was discharged [home|to a care home|from {ward}] without [TTO meds|{pt_pos} TTOs|a discharge letter|"
        "a package of care|{pt_pos} {hr_drug}]", "{pt} was discharged [home|to the care home] with a [cannula|"
        "venflon] still in situ", "TTOs [not ready|not checked by pharmacy|missing] at time of discharge",
        "{pt} readmitted [within 24 hrs|the same night|next day] after [an unsafe|a premature|a rushed] discharge",
        "discharge letter [had wrong medications|not sent to GP|did not mention {hr_drug}]",
        "{pt} was sent home [late at night|at 2300hrs|without transport] [despite being confused|with no key to "
        "the property|with no carers in place]", "care home not informed of discharge and unable to accept {pt}",
        "{pt} discharged with [the wrong patient's|incorrect] [TTOs|medication|paperwork]"],
    "Delay or failure in admission": [
        "{pt} waited {delay} in A&E for a bed", "{pt} [spent|waited] {hours} hours in the back of the ambulance "
        "[outside A&E|waiting to be offloaded]", "[bed|admission] delayed due to [no beds|bed pressures|"
        "capacity issues]", "{pt} was [refused|declined] admission by [the medical team|the specialty] despite "
        "{news}", "{pt} [was admitted to|boarded on] the wrong [ward|specialty]", "{pt} waited on a trolley in the "
        "corridor for {hours} hrs"],
    "Transfer problem": [
        "{pt} [was transferred|moved] to {ward} [without a handover|at {time}|overnight|without {pt_pos} notes]",
        "{pt} was transferred [without oxygen|without {pt_pos} meds|with no escort] despite [{news}|being "
        "unwell]", "[inter-hospital|ward] transfer [delayed|cancelled] [{num} times|due to no transport|by {hours} "
        "hrs]", "{pt} moved wards {num} times in {num} days", "{pt} was moved [overnight|at {time}] to "
        "[an outlier ward|{ward}] [despite being on end of life care|while confused]",
        "transport [did not arrive|cancelled] and {pt} missed [the transfer|{pt_pos} appointment]"],
    "Failure or delay in referral / follow-up": [
        "[referral|2WW referral|urgent referral] to [cardiology|urology|the fracture clinic|the memory clinic|"
        "CAMHS|the falls team] [not sent|never received|delayed by {num} weeks]", "follow up appointment [not "
        "booked|cancelled|lost] and {pt} [was not seen|deteriorated at home]", "{pt} was not referred to "
        "[the dietitian|SALT|the TVN|the diabetes team|the safeguarding team] as planned",
        "[GP|outpatient] follow up not arranged [after discharge|following {scan}]"],
    # Clinical assessment
    "Delayed or missed diagnosis": [
        "[fracture|#] [missed|not identified] on initial X-ray and {pt} [sent home|discharged]",
        "[sepsis|a bowel perforation|a PE|a stroke|an MI|meningitis|DKA] not [recognised|identified] "
        "[for {hours} hours|on arrival|by the triage nurse]", "{pt} was [sent home|discharged from A&E] and "
        "returned {num} days later with [a fractured hip|a perforated appendix|a DVT|a PE]",
        "[sepsis screening|sepsis 6] not [completed|commenced] despite {news}", "[ECG|{scan}] [not done|not "
        "reviewed|misinterpreted] and [an MI|a bleed|a fracture] was missed", "{pt} was triaged as "
        "[minors|low priority|cat 4] but had [sepsis|a stroke|a GI bleed]", "diagnosis of [cancer|a fracture|"
        "a head injury|a stroke] delayed by {num} [days|weeks|months]"],
    "Test result not acted on": [
        "[abnormal|critical] {bloods} [not acted on|not reviewed|missed] [for {hours} hours|until the next day|"
        "over the weekend]", "[a|the] [K+ of 6.9|Hb of 62|INR of 8.4|Na of 118|lactate of 5] was not "
        "[escalated|acted on|seen] by {dr}", "{scan} report showing [a mass|a fracture|a bleed|a PE] was not "
        "[acted on|followed up|seen by the team]", "[blood culture|urine] result [positive|showing growth] not "
        "acted on and {pt} [discharged|not started on antibiotics]", "{pt} was not informed of an abnormal "
        "{scan} result", "[results|{bloods}] [filed|signed off] without action"],
    "Specimen labelling / handling": [
        "{specimen} [rejected|returned] by the lab as [unlabelled|mislabelled|incorrectly labelled]",
        "{specimen} [labelled|sent] with the wrong patient [details|label|sticker]", "{specimen} [lost|not "
        "received by the lab|left on the side] and had to be repeated", "{pt} had to have bloods repeated as "
        "[sample haemolysed|sample clotted|wrong bottle used]", "WBIT - [group and save|crossmatch sample] taken "
        "from the wrong patient", "{specimen} sent without a request form"],
    "Scan / imaging problem": [
        "{scan} [requested|performed] on the wrong [side|patient|body part]", "{pt} waited {delay} for {scan}",
        "{scan} [cancelled|not done] as {pt} [not prepared|had not been cannulated|was not NBM]",
        "{pt} had {scan} with contrast despite [AKI|an allergy|metformin not held]", "{scan} [request|report] "
        "[lost|not vetted|rejected] and {pt} [not scanned|left without a scan]", "{pt} had {scan} twice in error"],
    # Consent, communication, confidentiality
    "Communication between staff": [
        "[information|{pts} plan|the DNACPR] not communicated [at handover|between teams|to the night staff]",
        "[the surgical team|the medical team|{dr}] [were not told|were unaware] that {pt} [was NBM|had "
        "deteriorated|was on {hr_drug}]", "handover [incomplete|not given|rushed] and [{pts} allergy|the "
        "plan|{pts} falls risk] was not passed on", "{dr} [was rude to|shouted at|dismissed] {nurse} when "
        "escalating [concerns|{news}]", "[conflicting plans|different instructions] given by [two teams|"
        "{dr} and the consultant]", "[no|an incomplete] SBAR handover given on transfer"],
    "Communication with patient or relatives": [
        "{family} [not informed|not told|only found out] that {pt} [had fallen|had been moved|had died|had "
        "deteriorated]", "{family} [complained|were upset] about [poor communication|lack of updates|being told "
        "different things]", "{pt} was not told about [the change in plan|{pt_pos} diagnosis|the cancelled "
        "procedure]", "[interpreter|BSL interpreter|language line] not [used|booked|available] for {pt}",
        "{pt} [was given|received] [conflicting|incorrect] information about {pt_pos} [discharge|medication|"
        "results]", "[bad news|the diagnosis] given to {pt} [in the corridor|over the phone|without privacy]"],
    "Consent not obtained or incomplete": [
        "consent form [not signed|missing|incomplete] [before|on arrival to theatre for] {procedure}",
        "{pt} [had|underwent] {procedure} without [valid consent|a consent form|a capacity assessment]",
        "[consent|the consent form] [taken|signed] by [a student|an FY1 not trained|the wrong person]",
        "{pt} lacked capacity and no [best interests decision|MCA assessment|IMCA referral] was documented",
        "{pt} withdrew consent but [the procedure|{procedure}] [went ahead|continued]",
        "DNACPR [discussed|completed] without [involving {family}|{pts} consent|a capacity assessment]"],
    "Breach of confidentiality": [
        "[letter|clinic letter|discharge summary] sent to [the wrong address|the wrong patient|a previous "
        "address]", "{pts} [notes|details|handover sheet] [left in|found in] [a public area|the canteen|the car "
        "park|a corridor]", "[email|results] containing [patient identifiable information|PID] sent to the wrong "
        "[recipient|GP practice]", "[confidential information|{pts} diagnosis] discussed [in front of other "
        "patients|in the lift|on social media]", "[handover sheet|printout] [lost|not shredded|left on the "
        "printer]", "[EPR|records] accessed inappropriately by [a member of staff|a relative who is staff]"],
    # Disruptive, aggressive behaviour
    "Verbal abuse": [
        "{pt} was {verbal_act} [staff|{nurse}|the HCA|{dr}|other patients]", "{pt} became [verbally aggressive|"
        "abusive|threatening] when [asked to return to bed|told to wait|refused leave|asked to stop smoking]",
        "[visitor|relative|{family}] was {verbal_act} [staff|the nurse in charge|reception staff]",
        "{pt} [swearing|shouting] and [banging doors|throwing objects] {place}"],
    "Physical assault on staff": [
        "{pt} {aggress_act} [the HCA|{nurse}|a member of staff|the student nurse|{dr}] [during personal care|"
        "while giving meds|{when}]", "{pt} [became aggressive|lashed out] and {aggress_act} [staff|{nurse}]",
        "staff member [assaulted|injured] by {pt} [while restraining|during a restraint|{place}]",
        "[PMVA|restraint|prone restraint] used after {pt} {aggress_act} [staff|a nurse]",
        "{pt} [needed|was given] [rapid tranquillisation|IM lorazepam|haloperidol IM] after assaulting staff"],
    "Patient-to-patient aggression": [
        "{pt} {aggress_act} another patient {place}", "{pt} [was assaulted|was hit|was pushed] by another "
        "[patient|service user] {place}", "[altercation|fight|argument] between two patients {place}",
        "patients separated and [placed on|increased to] {mh_obs}", "{pt} [entered|went into] another patient's "
        "[room|bed space] and [became aggressive|took belongings]"],
    "Threatening or intimidating behaviour": [
        "{pt} [threatened to|said they would] [hit staff|kill staff|harm the nurse|bring a knife in]",
        "{pt} [intimidating|threatening] [staff|other patients] and [{security} called|police called]",
        "[relative|visitor] [threatening|intimidating] staff and refused to leave", "{pt} [barricaded|locked] "
        "[themselves in|{pt_pos} door] and [made threats|refused to engage]", "{pt} found with [a lighter|a knife|"
        "a blade|contraband] during a room search"],
    # Documentation
    "Records missing or incomplete": [
        "{pts} [notes|medical records|paper notes] [missing|not available|could not be found] for [clinic|"
        "the ward round|theatre]", "[falls risk assessment|waterlow|MUST|VTE assessment|fluid balance chart|"
        "food chart] [not completed|incomplete|not documented] [on admission|for {num} days|since transfer]",
        "[no entries|nothing documented] in {pts} notes for [{hours} hrs|the whole shift|{num} days]",
        "[{obs}|intentional rounding|repositioning] not documented [for {hours} hours|overnight]",
        "{pts} [allergy|DNACPR status|NEWS2 chart] not [recorded|documented] in [EPR|the notes]"],
    "Wrong patient identification": [
        "{pt} had [no ID band|the wrong ID band|an ID band with incorrect details]", "[wrong patient|another "
        "patient's] [sticker|label|details] [on|in] {pts} [notes|request form|drug chart]", "{pt} [nearly "
        "given|was given] another patient's [notes|paperwork|letter] due to [same surname|similar names]",
        "two patients with similar names on the same ward and [details were mixed up|wrong notes used]",
        "[positive patient identification|PPID] not [carried out|checked] before [{procedure}|{scan}|"
        "giving meds]"],
    "Drug chart documentation": [
        "[the |]{chart} [not signed|not completed|missing signatures] for [{num} doses|{drug}]", "[the |]{chart} [missing|"
        "lost] and [meds not given|a new one written up]", "[allergy|weight] not documented on the {chart}",
        "{drug} [given but not signed for|signed for but not given] on the {chart}", "[two|duplicate] {chart}s in "
        "use for {pt}", "[illegible|unclear] prescription on the {chart} for {drug}"],
    "Information filed in wrong notes": [
        "[results|letters|a discharge summary] for another patient [filed|found] in {pts} notes",
        "[entry|documentation] [made|written] in the wrong patient's [notes|EPR record]", "[scan|ECG] for "
        "another patient found in {pts} notes", "[clinic letter|referral] [scanned|uploaded] onto the wrong "
        "patient's record"],
    # Implementation of care
    "Pressure ulcer": [
        "{pt} found to have a {pu_grade} pressure ulcer to {pt_pos} {pressure_site}",
        "[new|hospital acquired] {pu_grade} pressure [ulcer|damage] [noted|found] on {pressure_site} [during "
        "personal care|on skin inspection|on admission]", "{pt} [not repositioned|not turned] for {hours} hrs "
        "[and developed|resulting in] a {pu_grade} [pressure ulcer|PU] to {pressure_site}",
        "pressure area [damage|breakdown] to {pressure_site}[, no pressure relieving mattress in place|]",
        "[SSKIN bundle|skin bundle|waterlow] not [followed|completed] and {pt} developed {pu_grade} damage",
        "{pt} admitted from [home|a care home] with a {pu_grade} PU to {pressure_site}",
        "[heel|sacral] [blister|damage] [noted|identified] by {nurse}, TVN referral made"],
    "Failure to monitor / escalate": [
        "{news} not [escalated|acted on] for {hours} hours", "{obs} not [done|recorded] for {hours} hours [despite "
        "{news}|overnight|while on {ward}]", "{pt} [deteriorated|became unwell] and {news} was not escalated "
        "[to {dr}|to outreach|appropriately]", "{pt} [was not seen|was not reviewed] by {dr} despite [repeated "
        "escalation|{news}|being bleeped {num} times]", "[fluid balance|input and output|BMs|neuro obs] not "
        "monitored [for {hours} hrs|overnight|as prescribed]", "[sepsis|deterioration|AKI] not recognised and "
        "{pt} [was not escalated|deteriorated]", "{bm} [not repeated|not acted on] [for {hours} hours|"
        "overnight]", "[neuro obs|head injury obs|NEWS2 obs] not commenced after {pt} [fell|had a head injury]"],
    "Nutrition and hydration": [
        "{pt} [was not fed|missed meals|had no food] for [{hours} hrs|{num} days|the whole day]", "{pt} "
        "[NBM|nil by mouth] for {hours} hours [unnecessarily|after the procedure was cancelled|without IV fluids]",
        "[NG feed|PEG feed|feed] not [started|given|connected] [for {hours} hrs|overnight|as planned]",
        "{pt} [given|was given] [normal diet|thin fluids|a sandwich] despite [SALT advice|being on a modified "
        "diet|being NBM]", "{pt} [dehydrated|became dehydrated] and developed AKI", "MUST score not [completed|"
        "acted on] and {pt} [lost weight|not referred to the dietitian]"],
    "Inadequate handover": [
        "[{pts} plan|{pts} deterioration|the change in {pts} condition] not handed over to [the night team|"
        "day staff|the next shift]", "[handover|ward round plan] [missed|not documented] and [{pts} "
        "meds|the plan|{scan}] [not actioned|delayed]", "{pt} not [reviewed|seen] as [the jobs list|the "
        "handover] did not include {pt}", "[care plan|plan of care] not followed [by the night staff|"
        "overnight|after handover]", "[the wrong|an old] handover sheet used and [{pt} missed|the plan was "
        "not followed]"],
    # Infection control
    "Healthcare associated infection": [
        "{pt} [tested positive|was positive] for {infection} [{num} days after admission|on day {num}|on "
        "routine screening]", "hospital onset {infection} [identified|confirmed] [in {pt}|on {ward}]",
        "{pt} [developed|was found to have] a [line infection|CAUTI|surgical site infection|cannula site "
        "infection|phlebitis]", "[MRSA|C.diff|ESBL] [bacteraemia|toxin positive] [reported|identified] for {pt}",
        "{pt} with [diarrhoea|loose stools|type 7 stools] not [sampled|isolated] for {hours} hrs"],
    "Outbreak / isolation issue": [
        "[bay|ward|{ward}] closed due to [norovirus|flu|covid|D&V] outbreak", "{pt} with {infection} [not "
        "isolated|placed in a bay|moved to an open bay] due to no side rooms", "{pt} [moved|transferred] "
        "while [symptomatic|infectious|awaiting {infection} result]", "[{num}|several] patients [in {bay}|on "
        "{ward}] with [D&V|symptoms|{infection}]", "[isolation|barrier nursing] not [maintained|followed] for "
        "{pt} with {infection}"],
    "Hand hygiene / PPE": [
        "[staff|{staff}] [not|seen not] [wearing|using] [PPE|{ppe}] [in|when entering] [a side room|the "
        "isolation room|{bay}]", "[no|ran out of] {ppe} [available|on the ward|at the door]",
        "[hand hygiene|bare below the elbows] audit [failed|showed poor compliance]", "[staff|visitor] "
        "[did not wash hands|entered without {ppe}] [before|after] [contact with {pt}|leaving the side room]"],
    "Sharps and contamination": [
        "[needlestick|sharps] injury to [{nurse}|the HCA|{dr}|a porter] [from a used needle|while resheathing|"
        "during {procedure}]", "[used needle|sharp|uncapped needle] found [in {pts} bed|in the linen|on the "
        "floor|in a clinical waste bag]", "[sharps bin|sharps container] [overfilled|left open|not "
        "closed]", "[blood|body fluid] splash to [{nurse}|staff member|the HCA] [eye|mouth|face]",
        "[clinical waste|contaminated linen] [left|found] {place}"],
    # Infrastructure
    "Staffing shortage": [
        "[only|just] {num} [RNs|registered nurses|trained staff] on [shift|duty] for {num}0 patients",
        "[the ward|{ward}|the unit] [unsafely staffed|short of {num} nurses|running without a NIC]",
        "[no|unable to get] [bank|agency] staff to cover [sickness|the shift|{mh_obs}]", "[staffing|skill mix] "
        "[unsafe|inadequate|escalated to the site team] [on the {shift}|{when}]", "[HCA|nurse|doctor] moved to "
        "another ward leaving [{ward}|the unit] short", "[no|only one] [doctor|{dr}] covering [the whole "
        "hospital|{num} wards] [overnight|on the {shift}]"],
    "Bed availability": [
        "[no beds|no side rooms|no ITU beds|no mental health beds] available [in the trust|for {pt}|{when}]",
        "{pt} [boarded|nursed] [in the corridor|on a trolley|in the day room|in an escalation area]",
        "[A&E|the department] [full|overcrowded|at OPEL 4] with {num}0 patients waiting for beds",
        "[elective surgery|{procedure}] cancelled due to [no beds|bed pressures|lack of ITU beds]",
        "{pt} [sent out of area|placed out of area] due to no [beds|PICU beds]"],
    "Facilities / environment": [
        "[lift|the lift|the main lift] [broken|out of order] [and {pt} had to wait|delaying transfer]",
        "[water|a leak|flooding] [from the ceiling|in {bay}|in the bathroom] [and the bay was closed|"
        "causing a slip hazard]", "[heating|air conditioning|lighting] [not working|broken] [on {ward}|in "
        "{bay}]", "[fire alarm|power cut|generator failure] [affected|disrupted] [the ward|{ward}|theatres]",
        "[broken|damaged] [bathroom door|window restrictor|call bell|bed] [not repaired|reported {num} times]",
        "[ligature point|trip hazard] [identified|found] [in the bathroom|{place}] and reported to estates"],
    "IT system failure": [
        "{it_system} [down|unavailable|not working|crashed] for {hours} hours", "{it_system} [outage|failure] "
        "meant [bloods|results|{obs}|meds] could not be [viewed|recorded|prescribed]", "[unable to|could "
        "not] [log on|access] {it_system} [on the {shift}|{when}]", "[printer|label printer|computer on "
        "wheels] not working so [labels|TTOs|request forms] could not be printed", "{it_system} [down time|"
        "failure] and paper [charts|records] had to be used"],
    # Medical device
    "Device failure / malfunction": [
        "{device} [failed|stopped working|alarmed continuously|malfunctioned] [during use|{when}|while in use "
        "on {pt}]", "[battery|screen|motor|the alarm] on the {device} [failed|went blank|did not work]",
        "{device} [gave|was giving] [incorrect|inaccurate|erroneous] readings", "{device} [broke|snapped|"
        "collapsed] [while {pt} was using it|during a transfer]", "{device} [taken out of use|labelled faulty|"
        "sent to EBME|sent to medical engineering] [after the incident|and MHRA report completed]",
        "[hoist|sling] [failed|tore|gave way] during [a transfer|hoisting]", "[infusion pump|syringe driver|PCA "
        "pump] [occlusion alarm|air in line alarm] [failing|kept alarming] and [the infusion stopped|doses "
        "missed]"],
    "User error with device": [
        "{device} [used incorrectly|not used as per instructions|set up wrong] by [staff|{staff}]",
        "[wrong sling size|wrong setting|incorrect mode] used on the {device}", "staff not trained on [the "
        "new|the] {device} [and unable to use it|in an emergency]", "{device} [not checked|not plugged in|not "
        "charged] [before use|on the {shift}] and [failed|was flat]"],
    "Device not available": [
        "[no|unable to find a] {device} [available|on the ward|in working order] [{when}|for {pt}]",
        "[{device}|resus trolley|suction] [missing|not checked|not stocked] [when needed|at the arrest]",
        "{pt} waited {delay} for [a {device}|a pressure relieving mattress|a bariatric bed]",
        "[equipment|{device}] [borrowed from|had to be fetched from] another ward causing a delay of {delay}"],
    "Incorrect set-up / programming": [
        "[infusion pump|syringe driver|{device}] programmed [at the wrong rate|in mls instead of mg|incorrectly] "
        "[for {drug}|and {pt} received too much|and {pt} received too little]", "[rate|volume to be infused|"
        "VTBI] [entered incorrectly|set wrong] on the [pump|{device}]", "[wrong giving set|incorrect line|"
        "wrong syringe size] used with the {device}", "[drug library|guardrails] not used when setting up "
        "the {device}"],
    # Medication
    "Omitted / delayed medicine": [
        "{drug} [omitted|not given|missed] [on {round}|{when}|for {num} doses] [as not in stock|as {pt} was "
        "off the ward|as not prescribed|with no reason documented]", "{pts} {hr_drug} [not "
        "given|omitted|delayed by {hours} hours]", "[time critical|time-critical] medication [given late|"
        "omitted] - {drug}", "{drug} [not available|out of stock] [on the ward|in pharmacy|at the pharmacy] "
        "and {pt} missed [a dose|{num} doses]", "{pt} missed {pt_pos} {drug} [as NBM|while in theatre|during "
        "transfer|as the {chart} was missing]", "[antibiotics|IVAB|{drug}] [given|started] {hours} hours after "
        "being prescribed"],
    "Wrong dose / strength": [
        "{pt} was given [double|twice] the [prescribed|intended] dose of {drug}", "{drug} given instead of "
        "[the prescribed|the correct] dose [of {drug}|]", "[10 times|ten fold|x10] overdose of [insulin|"
        "morphine|oramorph|midazolam] given [as 1ml instead of 0.1ml|due to a decimal point error]", "{pt} "
        "received [an extra|a duplicate|an additional] dose of {drug} [as not signed for|on {round}]",
        "[wrong strength|incorrect strength] of {drug_name} [dispensed|supplied|given] [{drug}|]",
        "{drug} given [twice|two times] [{when}|in {hours} hrs] in error"],
    "Wrong medicine": [
        "{pt} was given {drug} instead of {drug}", "[wrong drug|incorrect medication] [given|dispensed|"
        "supplied] - {drug_name} instead of {drug_name}", "{pt} [given|received] another patient's [meds|"
        "{drug}] on {round}", "{pt} given {drug_name} despite a documented allergy to [penicillin|{drug_name}]",
        "look-alike [packaging|names] led to {drug_name} [being given|being selected] instead of {drug_name}",
        "[wrong medication|incorrect item] [dispensed|labelled] [at the pharmacy|by the dispensary] for {pt}"],
    "Prescribing error": [
        "{drug} prescribed [at the wrong dose|twice|for the wrong patient|without checking {bloods}]",
        "{dr} prescribed {drug} [despite|without noting] [an allergy|renal impairment|{pts} INR]",
        "[VTE prophylaxis|enoxaparin|antibiotics] not prescribed [on admission|for {num} days|post op]",
        "[TTO|discharge] prescription [had the wrong dose of {drug_name}|omitted {drug_name}|duplicated "
        "{drug_name}]", "[pharmacist|pharmacy] [intervened|identified] [a prescribing error|an interaction] "
        "with {drug}", "[weekly|once weekly] methotrexate prescribed [daily|as once daily]",
        "[GP|{dr}] [prescribed|issued] {drug} [with an interaction|without monitoring|at the wrong dose]"],
    "Monitoring / high-risk medicine": [
        "{hr_drug} [given|continued] without [checking|monitoring] [levels|INR|{bloods}|a BM]",
        "[gentamicin|vancomycin] level [not taken|not checked|high] before the next dose",
        "INR [not checked|of {num}.{num}] and warfarin [continued|given]", "{pt} on {hr_drug} [became|was] "
        "[hypoglycaemic|drowsy|bradycardic|toxic] with {bm}", "[insulin|a heparin infusion|potassium "
        "chloride] [not monitored|not checked] as per protocol", "[lithium|clozapine] [levels|bloods] not done "
        "[before supply|for {num} months]"],
    # Patient abuse
    "Alleged abuse by staff": [
        "{pt} [alleged|reported|disclosed] that a member of staff {abuse_act}", "[allegation|complaint] "
        "made by {family} that [staff|a carer|a nurse] {abuse_act}", "[staff member|HCA|agency carer] [seen|"
        "witnessed] by {nurse}: {abuse_act}", "[staff member|HCA] suspended [pending investigation|after an "
        "allegation] from {pt}"],
    "Abuse by third party": [
        "{pt} [disclosed|alleged] [financial|physical|emotional|sexual] abuse by [a family member|a "
        "neighbour|a partner|a visitor]", "[visitor|relative|partner] seen [hitting|shouting at|taking money "
        "from] {pt} {place}", "{pt} [disclosed|reported] domestic abuse [at home|by {pt_pos} partner]",
        "[unexplained|suspicious] [bruising|injuries] [noted|found] [on {pts} arms|on {pts} {body}] [by "
        "staff|during personal care]"],
    "Safeguarding concern": [
        "safeguarding [referral|alert|concern] [raised|made|completed] for {pt}", "[child|adult] safeguarding "
        "[concern|referral] [raised|discussed with the safeguarding team]", "{pt} [found|admitted] in [a "
        "neglected state|squalid conditions|soiled clothing] [from home|from a care home]", "[self neglect|"
        "neglect by carers] [suspected|identified] by the [DN|{clinician}]", "[safeguarding team|social "
        "services|the local authority] [informed|contacted] regarding {pt}"],
    "Neglect": [
        "{pt} left [in soiled pads|without food|without a call bell|on a commode] for {hours} hrs",
        "[care home|carers] [did not provide|failed to give] [basic care|meds|food] to {pt}",
        "{pt} [not washed|not turned|not fed] for {num} days [at home|in the care home]"],
    # Patient accident
    "Slips, trips, falls and collisions": [
        "{pt} [found on the floor|found on floor|fell|had an unwitnessed fall|had a witnessed fall|slid to "
        "the floor|was found sitting on the floor] [in {bay}|by {pt_pos} bed|in the bathroom|in the toilet|"
        "{place}|next to the bed|{when}]", "{pt} [got up|attempted to mobilise|stood up|tried to walk] "
        "[unaided|without {mobility}|without calling for help] {reason} and [fell|lost {pt_pos} balance|"
        "slipped]", "{agent} [heard a bang|heard a thud|heard a shout] and [found|noticed|saw] {pt} on the "
        "floor", "{pt} [fell|slipped|tripped] [backwards|forwards|onto {pt_pos} {body}|and hit {pt_pos} "
        "head|on a wet floor]", "{pt} [rolled|slid|fell] out of bed [{when}|while asleep|with bed rails "
        "down]", "{pt} [lost {pt_pos} footing|tripped over [a chair|the drip stand|a wire|{pt_pos} "
        "slippers]] {reason}", "[unwitnessed|witnessed] fall [{place}|{when}|in {bay}]", "{pt} [was|has been] "
        "assessed as [high falls risk|at risk of falls] [and on {mh_obs}|with a sensor mat in place|with "
        "bed rails]", "{pt} [was lowered to the floor by staff|slid to the floor] [during a transfer|when {pt_pos} legs "
        "gave way]", "[sensor mat|falls alarm|bed alarm] [alarmed|sounded] and {pt} was found on the floor",
        "[post falls|falls] [protocol|checks|assessment] [completed|followed|started]",
        "{pt} [got out of bed|climbed over the bed rails] {reason} and was found [kneeling|lying|sitting] on "
        "the floor", "{pt} fell [in the shower|on the stairs|in the car park|at home|in the garden]"],
    "Contact with object / equipment": [
        "{pt} [caught|trapped|banged] {pt_pos} [leg|arm|hand|foot] [on|in] the [bed rails|wheelchair footplate|"
        "table|bed frame|door]", "{pt} [hit|knocked] {pt_pos} {body} on [the bedside locker|the table|a door "
        "frame|the call bell]", "{pt} [sustained|got] {injury} from [the wheelchair|the hoist|the bed rails|"
        "the trolley]", "[tray|bedside table|a piece of equipment] [fell|toppled] onto {pt}"],
    "Burns and scalds": [
        "{pt} [spilled|knocked over] [a hot drink|hot tea|a cup of coffee|hot soup] [on {pt_pos} lap|onto "
        "{pt_pos} legs|on {pt_pos} hand]", "{pt} [sustained|had] a [burn|scald] from [a hot water bottle|"
        "the radiator|a hot drink|the bath water|a heat pack]", "[burn|redness|blistering] [noted|found] "
        "[under|near] [the diathermy pad|a heat pack|the warming blanket]"],
    "Choking / aspiration": [
        "{pt} [choked|started choking|coughed] on [food|a sandwich|a tablet|{pt_pos} dinner] [and back slaps "
        "given|and suction used|{when}]", "{pt} [aspirated|had an aspiration event] [during a meal|after "
        "being given thin fluids]", "{pt} [given|was given] [the wrong diet|food] [despite being NBM|despite "
        "SALT advice] and [choked|coughed]"],
    # Self-harming behaviour
    "Self-harm by cutting": [
        "{pt} {selfharm_method} [{place}|while on {mh_obs}|{when}]", "{pt} [found|seen] with [superficial|deep|"
        "fresh] [cuts|lacerations|wounds] to {pt_pos} [forearms|thighs|wrists|arms]",
        "{pt} [disclosed|admitted] [self harming|cutting] [with a razor|with a blade|with a broken mug]",
        "[blade|razor|sharp object|broken glass] found [in {pts} room|on {pt_pos} person|under the mattress] "
        "during a search", "{pt} [self harmed|cut] [while|despite being] on {mh_obs}"],
    "Ligature": [
        "{pt} [found|discovered] with a ligature [around {pt_pos} neck|made from {ligature_point}] {place}",
        "ligature [tied|attached] to {ligature_point} [removed|cut] by staff [using a ligature cutter|"
        "immediately]", "{pt} [attempted|tried] to [tie|use] a ligature [made from|using] {ligature_point}",
        "{pt} [found|seen] [attempting to hang|with a ligature] [in the bathroom|in {pt_pos} bedroom]"],
    "Overdose / ingestion": [
        "{pt} {selfharm_method}", "{pt} [disclosed|admitted] taking an overdose of [{drug_name}|paracetamol|"
        "{pt_pos} own meds] [at home|while on leave|{when}]", "{pt} [stockpiled|hoarded|saved] [tablets|meds|"
        "{drug_name}] and took them [all at once|in an overdose]", "{pt} [swallowed|ingested] [a battery|"
        "hand gel|cleaning fluid|a pen lid|{num} tablets]", "{pt} returned from leave [having taken|after "
        "taking] [an overdose|{num} tablets]"],
    "Attempted suicide": [
        "{pt} [attempted to|tried to] [end {pt_pos} life|take {pt_pos} own life|jump from [a bridge|a window|"
        "the car park]]", "{pt} [expressed|voiced] [suicidal ideation|intent to end {pt_pos} life] and [was "
        "found|was seen] [with a ligature|{place}]", "{pt} [was found|was seen] [on a railway line|on the "
        "roof|at a height] by [the police|{security}|staff]"],
    # Treatment, procedure
    "Wrong site / side / patient": [
        "[procedure|{procedure}|the injection] [performed|started|marked] on the wrong [side|site|patient]",
        "[WHO checklist|surgical safety checklist|the time out] [not completed|not done properly] before "
        "{procedure}", "[site marking|consent] [missing|did not match] [the list|the procedure] for {procedure}",
        "[wrong implant|wrong lens|incorrect prosthesis] [used|opened] during {procedure}"],
    "Complication of procedure": [
        "{pt} [developed|had] [a bleed|bleeding|a haematoma|a pneumothorax|a perforation] [after|following|"
        "during] {procedure}", "[post op|post-op] {pt} [became hypotensive|bled|developed an infection] and "
        "[returned to theatre|was reviewed by the team]", "[retained|missing] [swab|guidewire|instrument] "
        "[found|identified] after {procedure}", "[anaesthetic|epidural|sedation] complication during "
        "{procedure} - [{pt} desaturated|bradycardia|hypotension]", "{pt} [had|sustained] [a nerve injury|"
        "damage to {body}|a burn] during {procedure}", "{procedure} [was|had been] [complicated by|"
        "associated with] [bleeding|infection|a leak]"],
    "Delay in treatment": [
        "[treatment|{procedure}|antibiotics|surgery] delayed [by {hours} hours|by {delay}|overnight] [due to no "
        "theatre space|as {pt} was not NBM|awaiting review]", "{pt} waited {delay} for [{procedure}|review by "
        "{dr}|analgesia|IVAB]", "[sepsis 6|IVAB|fluids] not [started|given] within the hour", "{pt} [was "
        "not|has not been] [reviewed|treated] [for {hours} hours|until the next day|despite escalation]",
        "[emergency|urgent] {procedure} [delayed|postponed] [due to a {hours} hour delay|waiting for the consultant]"],
    "Cannula / line / tube problem": [
        "{pts} {line} [pulled out|dislodged|fell out|was removed by {pt}] [{when}|during personal care|while "
        "confused]", "{line} [tissued|extravasated|blocked|leaked] [and {drug} went into the tissues|while "
        "{drug} was running|{when}]", "{line} [inserted|placed] [incorrectly|in the wrong position] and "
        "[{drug}|feed] given", "NG tube position not [checked|confirmed] [before feeding|with pH or X-ray] "
        "[and feed started|and meds given]", "{line} [left in situ|in place] for {num} days without [review|"
        "a VIP score|being flushed]", "[phlebitis|redness|swelling] at {line} site [not|was not] [acted on|"
        "recognised] for {hours} hrs"],
    "Procedure cancelled or failed": [
        "{procedure} cancelled [on the day|at short notice|after {pt} had been NBM all day|due to no beds]",
        "{procedure} [unsuccessful|abandoned|failed] [after {num} attempts|due to {pts} condition]",
        "[theatre list|list] [overran|cancelled] and {pt} [was not done|was sent home]", "{pt} [not "
        "prepared|not starved|not consented] for {procedure} so it was cancelled"],
    # Other
    "Other": [
        "[concern|issue] raised about {pts} [care|experience|property]", "{pts} [property|belongings|"
        "glasses|hearing aids|dentures|phone] [lost|went missing|were thrown away] [on the ward|during "
        "transfer|{place}]", "[visitor|relative|member of the public] [fell|became unwell|collapsed] {place}",
        "[complaint|concern] about [the food|the noise|parking|visiting times]", "[smoking|vaping|alcohol] "
        "[on the ward|{place}|in the bathroom]", "[police|CQC|the coroner] [requested|asked for] [information|"
        "a statement]", "[staff member|student] [injured|unwell] {place}"],
    "Unclassified / not specified": [
        "[see attached|see notes|details to follow|as discussed with the NIC]", "[incident|event] [occurred|"
        "happened] {place} {when}", "reporting on behalf of [the night team|{nurse}|the ward]"],
}

#: Sentences shared by every subcategory of a category.
CORE_SHARED: dict[str, list[str]] = {
    v.ACCESS: ["{pt} [moved|transferred|discharged] {when}", "[bed manager|site team|patient flow] "
               "[informed|involved]"],
    v.ASSESS: ["[tests|investigations] [not requested|delayed]", "{pt} [misdiagnosed|not assessed properly]"],
    v.CONSENT: ["[information|plan] [not shared|not communicated] with {pt}", "[PALS|complaint] involved"],
    v.DISRUPT: ["{security} called [to the ward|{place}]", "{pt} [calmed|de-escalated] by staff",
                "staff [shaken|upset] after the [incident|assault]"],
    v.DOCS: ["[notes|documentation] [incomplete|missing|wrong]", "[records|EPR] [not updated|incorrect]"],
    v.CARE: ["[care|plan of care] not [delivered|followed] as planned", "{pt} [not checked|not reviewed] for "
             "{hours} hrs"],
    v.INFECT: ["[IPC|infection control team] [informed|contacted|advised]", "[isolation|side room] [needed|"
               "requested]"],
    v.INFRA: ["[site team|bed manager|estates] [informed|escalated to]", "[escalated|reported] to [the matron|"
              "the duty manager|site]"],
    v.DEVICE: ["{device} [quarantined|removed from use|sent to EBME]", "[MHRA|yellow card] report [completed|to "
               "be done]"],
    v.MEDS: ["[pharmacy|the pharmacist] [informed|contacted|made aware]", "{drug} [checked|double checked] "
             "against the {chart}", "[on clinical screening|during a pharmacist review|on checking] of the "
             "{chart} {agent} [noticed|found] [that {drug} had been prescribed twice|an error with {drug}|"
             "that {drug} had not been given|an unsigned dose of {drug}]"],
    v.ABUSE: ["[safeguarding|the safeguarding team] [informed|contacted]", "[police|social services] "
              "[informed|involved]"],
    v.ACCIDENT: ["{pt} [helped|assisted] back to [bed|chair] with [the hoist|a flat lifting device|"
                 "assistance of {num}]", "[top to toe|head to toe] check completed"],
    v.SELFHARM: ["{pt} [placed on|increased to] {mh_obs}", "[room|belongings] searched",
                 "wounds [cleaned|dressed|steristripped]"],
    v.TREAT: ["[procedure|treatment] [delayed|complicated]", "[surgical team|{dr}] [informed|reviewed {pt}]"],
    v.OTHER: ["[no further details|details unclear]", "[reported|raised] {when}"],
}

#: Events that could honestly be coded to either of two neighbouring categories.
BRIDGES: dict[tuple[str, str], list[str]] = {
    (v.ACCIDENT, v.MEDS): ["{pt} fell [during|while staff were on] {round} [shortly after|after] [being given|"
                           "receiving] {drug}", "{pt} [drowsy|unsteady] after {drug} and [fell|was found on the "
                           "floor]", "{pt} [fell|slipped] [while reaching for|getting] {pt_pos} [tablets|meds]"],
    (v.ACCIDENT, v.CARE): ["{pt} fell and [neuro obs|{obs}] were not done [for {hours} hours|as per the "
                           "falls protocol]", "{pt} fell [while|as] [staff were not present|{mh_obs} were "
                           "not maintained|the falls care plan was not followed]"],
    (v.ACCIDENT, v.DEVICE): ["{pt} fell when the {device} [gave way|broke|moved]", "[hoist|sling] [tore|"
                             "failed] and {pt} [slid|fell] to the floor", "[bed rails|brakes] [not working|"
                             "broken] and {pt} [fell|rolled] out of bed"],
    (v.ACCIDENT, v.TREAT): ["{pt} [fell|collapsed] [post op|after {procedure}] [when mobilising|in the "
                            "bathroom]", "{pt} slid off the [trolley|theatre table|x-ray table] during "
                            "{procedure}"],
    (v.MEDS, v.DOCS): ["{drug} [given|not given] due to [an unclear|an unsigned|a missing] {chart}",
                       "[allergy|dose] [not documented|documented wrongly] on the {chart} and {drug} given"],
    (v.MEDS, v.TREAT): ["{drug} [given|infused] [too quickly|via the wrong route|into the {line}] "
                        "[during|after] {procedure}", "[IVAB|{drug}] [missed|delayed] while {pt} was in theatre"],
    (v.MEDS, v.CARE): ["{bm} and insulin [not given|given without checking]", "{pt} [became|was] [drowsy|"
                       "unresponsive] after {drug} and {obs} not done"],
    (v.MEDS, v.DEVICE): ["[syringe driver|PCA pump|infusion pump] [set up wrong|failed] and {drug} [over|under] "
                         "infused", "{drug} [infusion|syringe driver] ran [through|too fast] [{when}|overnight]"],
    (v.CARE, v.DOCS): ["[pressure ulcer|{pu_grade} damage] [not documented|not recorded] [on admission|in the "
                       "notes] and [found|identified] later", "[{obs}|repositioning|food charts] not recorded "
                       "[so unclear if done|for {hours} hrs]"],
    (v.CARE, v.TREAT): ["{pt} [not reviewed|not treated] despite [{news}|deterioration] [post op|after "
                        "{procedure}]", "[deterioration|sepsis] after {procedure} not [recognised|escalated]"],
    (v.CARE, v.ASSESS): ["[sepsis|deterioration|AKI] [missed|not recognised] [and {pt} not escalated|despite "
                         "{news}]", "{bloods} not [checked|acted on] and {pt} [deteriorated|became unwell]"],
    (v.CARE, v.INFRA): ["[{obs}|repositioning|intentional rounding] not done due to [staffing|short staffing|"
                        "{num} RNs for {num}0 patients]", "{pt} [not turned|not fed|left unsupervised] as the "
                        "ward was {busy}"],
    (v.ACCESS, v.CARE): ["{pt} discharged [without|before] [a review|the plan being completed] and "
                         "[readmitted|deteriorated at home]", "{pt} [transferred|moved] and {pt_pos} [obs|care] "
                         "not [continued|handed over]"],
    (v.ACCESS, v.DISRUPT): ["{pt} [absconded|left the ward] after [becoming aggressive|threatening staff]",
                            "{pt} [aggressive|verbally abusive] and [left|self discharged] against advice"],
    (v.ACCESS, v.CONSENT): ["{pt} discharged without {family} being [informed|told]", "[transfer|discharge] "
                            "[not communicated|not discussed] with {pt}"],
    (v.ASSESS, v.TREAT): ["{scan} [not done|delayed] before {procedure}", "[delay in diagnosis|missed "
                          "diagnosis] led to [delayed|inappropriate] treatment"],
    (v.ASSESS, v.DOCS): ["{specimen} [labelled|sent] with [incorrect|missing] details", "[result|report] "
                         "[filed|documented] in the wrong [notes|record] and not acted on"],
    (v.CONSENT, v.DOCS): ["[consent form|DNACPR form] [missing from|not filed in] {pts} notes",
                          "[letter|results] [sent to|filed for] the wrong patient"],
    (v.DISRUPT, v.ABUSE): ["{pt} [was|alleged being] [hit|pushed|slapped] by [another patient|a visitor|"
                           "a relative]", "[allegation|report] of [assault|rough handling] {place}"],
    (v.DISRUPT, v.SELFHARM): ["{pt} [became aggressive|was agitated] and [head banged|punched the wall|cut "
                              "{pt_pos} arm]", "{pt} [attempted|tried] to self harm and [assaulted|"
                              "{aggress_act}] staff [who intervened|during restraint]"],
    (v.SELFHARM, v.MEDS): ["{pt} took [an overdose|{num} tablets] of [{drug_name}|{pt_pos} meds] [stockpiled|"
                           "saved] from {round}", "[tablets|{drug_name}] found [hidden|stockpiled] in {pts} room"],
    (v.INFECT, v.CARE): ["{pt} with [diarrhoea|{infection}] [not isolated|not sampled] and [obs|care] "
                         "[not done|delayed]", "[line|catheter] [infection|site infection] [after|as] the "
                         "{line} was not reviewed"],
    (v.INFECT, v.INFRA): ["no side rooms [available|free] so {pt} with {infection} [nursed|kept] in [a bay|an "
                          "open bay]", "[cleaning|domestic staff] [not available|short] and [bay|side room] "
                          "not cleaned"],
    (v.INFRA, v.DEVICE): ["[equipment|{device}] [not available|broken] due to [no budget|no replacement|"
                          "EBME backlog]", "[power cut|IT failure] [affected|stopped] the {device}"],
    (v.TREAT, v.DEVICE): ["{device} [failed|alarmed] during {procedure}", "[diathermy|suction|theatre "
                          "equipment] [failed|not working] during {procedure}"],
    (v.OTHER, v.CARE): ["[concern|issue] about {pts} care {when}", "{pt} [unhappy|upset] with [care|the ward]"],
    (v.OTHER, v.CONSENT): ["[complaint|concern] [received|raised] by {family}", "[property|belongings] "
                           "[lost|missing] and {family} not informed"],
    (v.ABUSE, v.CARE): ["{pt} left [unattended|in soiled pads|without help] for {hours} hrs",
                        "[unexplained bruising|injuries] [noted|found] during personal care"],
}

#: Whole reports of one to five words.
SHORT: dict[str, list[str]] = {
    v.ACCESS: ["pt absconded", "missing patient", "discharged without TTOs", "unsafe discharge",
               "delayed transfer", "AWOL", "no handover on transfer", "pt left ward", "readmitted next day",
               "delay in admission"],
    v.ASSESS: ["missed fracture", "delayed diagnosis", "sample rejected", "bloods not acted on",
               "mislabelled sample", "scan delayed", "result not reviewed", "unlabelled specimen", "missed sepsis"],
    v.CONSENT: ["no consent form", "letter to wrong address", "family not informed", "confidentiality breach",
                "no interpreter", "consent not obtained", "poor communication"],
    v.DISRUPT: ["pt aggressive", "verbal abuse to staff", "staff assaulted", "pt punched HCA", "aggressive pt",
                "abusive relative", "threatening behaviour", "pt kicked nurse"],
    v.DOCS: ["no ID band", "notes missing", "drug chart missing", "unsigned drug chart", "wrong patient label",
             "no documentation", "wrong notes"],
    v.CARE: ["pressure ulcer", "cat 2 PU sacrum", "obs not done", "NEWS not escalated", "grade 2 PU",
             "deterioration not escalated", "pt not fed", "heel damage", "PU to sacrum"],
    v.INFECT: ["c diff positive", "MRSA positive", "norovirus outbreak", "needlestick injury", "bay closed D&V",
               "no side room", "covid positive"],
    v.INFRA: ["short staffed", "unsafe staffing", "no beds", "IT system down", "lift broken", "EPR down",
              "no bank staff", "1 RN short"],
    v.DEVICE: ["pump fault", "faulty hoist", "equipment failure", "syringe driver failed", "no pump available",
               "glucometer broken", "pump alarming"],
    v.MEDS: ["missed dose", "omitted dose", "wrong dose given", "insulin omitted", "wrong drug given",
             "enoxaparin not given", "double dose given", "TTO error", "controlled drug discrepancy",
             "prescribing error", "meds omitted"],
    v.ABUSE: ["safeguarding concern", "allegation against staff", "unexplained bruising", "safeguarding referral"],
    v.ACCIDENT: ["pt fell", "unwitnessed fall", "found on floor", "witnessed fall", "fall", "pt found on the floor",
                 "fall from bed", "slipped in bathroom", "fall no injury", "fell in toilet", "pt slid to floor"],
    v.SELFHARM: ["self harm", "pt cut arms", "ligature", "ligature found", "overdose", "self harmed",
                 "pt self harmed"],
    v.TREAT: ["op cancelled", "cannula tissued", "NG tube displaced", "delay in treatment", "wrong site",
              "post op bleed", "procedure cancelled", "line infection"],
    v.OTHER: ["see notes", "property lost", "other", "as above", "lost dentures", "complaint"],
}

#: IN10 "action to prevent recurrence": generic and category-specific.
IN10_GENERIC: list[str] = [
    "Staff reminded of [policy|the policy|procedure]", "[Discussed|Shared] at [safety huddle|team meeting|"
    "handover]", "Lessons learnt [shared|to be shared] with the team", "[Reflection|Reflective account] "
    "completed by staff", "[Ward manager|Matron] [informed|to review]", "For discussion at [governance|the "
    "patient safety meeting]", "[No further action|NFA]", "[Unable to prevent|Not preventable]", "[Training|"
    "Teaching] [arranged|to be arranged] for staff", "Escalated to [matron|the senior team]", "[Awaiting|"
    "Pending] investigation", "[Staff spoken to|Discussed with staff involved]", "Added to the risk register",
    "[Unknown|N/A|nil|-]", "Continue to monitor", "[Email|memo] sent to all staff", "As above",
]
IN10_CATEGORY: dict[str, list[str]] = {
    v.ACCIDENT: ["[Falls|Post falls] [care plan|risk assessment] updated", "Sensor mat [in place|requested]",
                 "Bed [lowered|moved closer to the nurses station]", "[Cohort bay|Bay nursing] in place",
                 "Non slip socks [given|provided]", "Falls prevention [bundle|champion] involved"],
    v.MEDS: ["[Pharmacy|Medicines safety officer] informed", "[Drug error|Medication] reflection completed",
             "[Independent double check|Double checking] reinforced", "Staff to complete [medicines management|"
             "drug calculation] competency", "[Omitted doses|Critical meds] audit"],
    v.CARE: ["[TVN|Tissue viability] referral made", "[SSKIN bundle|Repositioning chart] commenced",
             "[NEWS2|Deterioration] training for staff", "[Pressure relieving mattress|Air mattress] ordered"],
    v.DEVICE: ["[Device|Equipment] sent to EBME", "[MHRA|Manufacturer] informed", "[Equipment|Device] "
               "training arranged"],
    v.INFECT: ["IPC team [informed|involved|to review]", "[Hand hygiene|PPE] audit"],
    v.INFRA: ["[Staffing|Capacity] escalated to site", "Estates [informed|job logged]", "IT helpdesk "
              "[informed|job logged]"],
    v.SELFHARM: ["Obs level increased", "Room search completed", "Risk assessment updated[ and care plan reviewed|]"],
    v.DISRUPT: ["[Warning letter|Behaviour contract] issued", "Police informed", "Staff debrief held"],
    v.ACCESS: ["Discharge checklist to be used", "[Missing person|AWOL] policy followed"],
    v.DOCS: ["[Documentation|Record keeping] audit", "[ID band|PPID] policy reinforced"],
    v.CONSENT: ["[Apology|Letter of apology] given", "IG team informed"],
    v.ABUSE: ["Safeguarding referral made", "Staff member suspended pending investigation"],
    v.TREAT: ["[WHO checklist|Time out] compliance audit", "[Case|Incident] to M&M meeting"],
    v.ASSESS: ["[Results|Test results] review process updated", "[Labelling|Sample] training"],
    v.OTHER: ["[Reviewed|Noted] by [manager|matron]"],
}
IN11_GENERIC: list[str] = [
    "[Staff shortage|Short staffing|Staffing levels]", "[High acuity|Busy ward|Very busy shift]", "[Unknown|"
    "Not known|unclear|?]", "[Human error|Individual error]", "[Communication|Poor communication]",
    "[Patient confused|Patient lacks capacity|Patient non compliant]", "[Agency staff|Bank staff] unfamiliar with "
    "the ward", "[Lack of|Inadequate] [training|supervision]", "[Distraction|Interruptions] [during task|on "
    "the drug round]", "[Patient condition|Clinical condition]", "[Environment|Equipment] [issue|factors]",
    "[Policy not followed|Procedure not followed]", "[Fatigue|End of a long shift]", "[N/A|nil|none identified]",
    "[Capacity pressures|Bed pressures]", "[Time pressure|Workload]", "[Handover|Information] not passed on",
]
IN11_CATEGORY: dict[str, list[str]] = {
    v.ACCIDENT: ["[Patient|Pt] [mobilised|got up] [unaided|without calling for help]", "[Confusion|Delirium|"
                 "Dementia]", "[Poor mobility|Unsteady on feet]", "[Wet floor|Trip hazard]"],
    v.MEDS: ["[Interrupted|Disturbed] during [drug round|medication round]", "[Look alike|Sound alike] "
             "[drugs|packaging]", "[Stock|Supply] issue", "[Failure to check|Not checked] the {chart}"],
    v.CARE: ["[Lack of|Insufficient] [repositioning|monitoring]", "[NEWS2|Escalation] policy not followed",
             "[Poor nutrition|Immobility]"],
    v.DEVICE: ["[Device|Equipment] fault", "[Lack of|No] [maintenance|servicing]"],
    v.SELFHARM: ["[Mental state|Low mood|Distress]", "[Contraband|Items] brought in by visitors"],
    v.DISRUPT: ["[Intoxication|Alcohol|Drugs]", "[Frustration|Long wait]", "[Mental state|Psychosis]"],
    v.INFRA: ["[Estates|Maintenance] issue", "[IT|System] failure", "[Demand|Capacity] exceeded staffing"],
    v.ACCESS: ["[Pressure to discharge|Flow pressures]", "[Poor|No] discharge planning"],
}

#: Sentences of the planted emerging theme (a fictitious infusion pump with a free-flow fault).
EMERGING: list[str] = [
    "{emerg_pump} [free flowed|free-flowed|free flowing|delivered the whole bag] [when the door was opened|"
    "when the giving set was removed|after the occlusion alarm|{when}]", "{emerg_fluid} [ran through|infused] "
    "[much faster than prescribed|in {mins} mins instead of {hours} hrs|in {mins} minutes] on the "
    "{emerg_pump}", "{agent} [noticed|found] the [bag|infusion] [empty|nearly empty] {hours} hours early - "
    "[{emerg_pump} in use|pump was a {emerg_pump}]", "[no|the] [occlusion|free flow|air in line] alarm [did not "
    "sound|failed to alarm] on the {emerg_pump}", "{emerg_pump} [taken out of use|quarantined|sent to EBME] "
    "[after|following] [a free flow|an uncontrolled infusion|over infusion] of {emerg_fluid}",
    "[this is the|another|the third|the second] [free flow|over infusion] [incident|event] with the "
    "{emerg_pump} [this month|on this ward|in recent weeks]", "[anti-free-flow clamp|the clamp|the "
    "cassette] on the {emerg_pump} [did not engage|failed|was faulty]", "{emerg_fluid} over infused "
    "[via|on] [a|the] {emerg_pump} and {pt} [became hypoglycaemic|became hypotensive|had high K+|was "
    "monitored]", "[the|] {emerg_pump} [was recently introduced|is new to the ward|was rolled out across the trust] "
    "[and staff are unfamiliar with it|]",
]

#: Rare novel incidents: incident types written nowhere else in the corpus (a handful of reports each),
#: the review queue's ground truth. Each type: (category it is coded as, its core sentences).
NOVEL: dict[str, tuple[str, list[str]]] = {
    "mri_projectile": (v.INFRA, [
        "[an oxygen cylinder|a metal oxygen cylinder|a steel gas cylinder] was [taken|wheeled] into the MRI "
        "scanner room and pulled into the magnet", "the [cylinder|trolley|wheelchair] [flew|was pulled] into the "
        "bore of the MRI scanner[ narrowly missing {pt}|]", "MRI magnet had to be quenched to free the "
        "[cylinder|trolley|wheelchair]", "ferromagnetic [wheelchair|cylinder|drip stand] not screened before "
        "entering zone 4 of MRI"]),
    "milk_mixup": (v.MEDS, [
        "[expressed breast milk|EBM] from another mother was given to the wrong baby on the neonatal unit",
        "[EBM|expressed breast milk] bottle labels [not checked|swapped] before the feed[ on NNU|]",
        "baby fed donor [milk|EBM] intended for the cot next door", "breast milk [fridge|freezer] "
        "[mix up|mix-up] - wrong [baby|infant] received another mothers milk"]),
    "pneumatic_tube": (v.INFRA, [
        "[specimen|blood sample] carrier [burst|split open|jammed] in the pneumatic tube system",
        "pneumatic tube [pod|carrier] [lost|went missing|stuck between stations] with the [samples|bloods]",
        "[samples|bloods] [leaked|spilled] inside the pneumatic tube [station|pod] and had to be repeated",
        "pneumatic [pod|tube] system [out of action|shut down] after a [pod|carrier] leak"]),
    "gas_crossed": (v.DEVICE, [
        "[medical gas|piped gas] outlets were [crossed|mislabelled] - the oxygen outlet delivered nitrous oxide",
        "[nitrous oxide|entonox] [came from|was connected to] the outlet labelled oxygen[ after estates work|]",
        "gas pipeline [cross connection|crossed connection] found after {pt} [desaturated|became hypoxic] on "
        "piped oxygen", "[estates|the gas engineer] [confirmed|found] the [pipeline|outlet] had been "
        "[reconnected|fitted] the wrong way round"]),
    "therapy_dog": (v.ACCIDENT, [
        "[a|the] [visiting|pets as therapy|PAT] dog [bit|nipped|scratched] {pt}[ on the hand| on the arm|]",
        "therapy dog [jumped up|knocked over|bit] {pt} during the [visit|session]", "dog handler "
        "[not present|left the room] when the [PAT|therapy] dog bit {pt}", "[bite|scratch] from the ward "
        "therapy dog [cleaned|dressed] and tetanus status checked"]),
    "ransomware": (v.INFRA, [
        "[ransomware|cyber attack|cyber-attack] took down the [pathology|lab] system and results could not be "
        "[viewed|sent]", "[trust|hospital] [systems|network] locked by [ransomware|a cyber attack] - "
        "[paper|manual] processes used", "results [delayed|lost] during the [ransomware|cyber] [outage|attack] "
        "and {pt} [was not reviewed|missed a result]", "[cyber incident|ransomware attack] [declared|reported] "
        "and [bloods|results|requests] [had to be phoned|were phoned through]"]),
    "bed_entrapment": (v.ACCIDENT, [
        "{pt} [found|became] trapped between the [bed rail|cot side] and the [air mattress|mattress] "
        "[by the neck|by the head|with head wedged]", "[entrapment|entrapped] in the gap between [bed rails|cot "
        "sides] and an air mattress", "[air mattress|dynamic mattress] [deflated|shrank] leaving a gap in which "
        "{pt} [became trapped|was wedged]", "[bed rail|cot side] entrapment - {pt} [freed|released] by staff"]),
    "wrong_body": (v.DOCS, [
        "[the wrong deceased|the wrong body] was released to the [funeral director|undertaker] from the "
        "mortuary", "mortuary [identity|ID] [tags|bands] [not checked|swapped] before [release|viewing]",
        "family [viewed|were shown] the wrong deceased in the [chapel of rest|viewing room]", "[deceased|body] "
        "[misidentified|mislabelled] in the mortuary [fridge|register]"]),
}

#: Identifier-bearing sentences (every name and date enters only through these).
IDENT_IN07: list[str] = [
    "{pt} [{@PT_NAME}|{@PT_NAME}, {@DOB}][?,] [(NHS no {@NHS})|NHS number {@NHS}|NHS No. {@NHS}|nhs no {@NHS}]",
    "{@PT_NAME} [{@DOB}|({@DOB})][?, {@HOSP}]", "{@PT_NAME} [({@HOSP})|{@HOSP}] [was the patient involved|"
    "involved]", "[Discussed with|Escalated to|Reviewed with] {@STAFF}[ who attended| at {time}|]",
    "{@STAFF} [was on shift|was the nurse looking after {pt}|witnessed the incident|found {pt}]",
    "[Daughter|Son|NOK|Family] [informed by phone|contacted] on {@PHONE}", "{@RELATIVE} [informed|made aware|"
    "rang the ward][ on {@PHONE}|]", "[Incident|Event] [occurred|happened] on {@DATE}[ at {time}|]",
    "{pt} [lives at|address] {@POSTCODE}[, lives alone|]", "[Email|Referral] sent to {@EMAIL}[ for follow up|]",
    "{@PT_NAME} [NHS {@NHS}|{@HOSP}|{@DOB}] [on {ward}|in {bay}]", "Seen by Dr {@SURNAME_ONLY}",
    "[Previous|Last] [admission|fall|incident] on {@DATE}", "{pt} [{@PT_NAME}] [was|had been] [seen|admitted] "
    "on {@DATE}", "{@STAFF} [informed|escalated to] {@STAFF}",
]
IDENT_IN10: list[str] = [
    "Discussed with {@STAFF}", "[Follow up|Meeting] [booked|arranged] for {@DATE}", "[Contact|Email] "
    "{@EMAIL} for [details|follow up]", "{@STAFF} to [review|follow up]",
]
IDENT_IN11: list[str] = [
    "{@STAFF} [was|had been] [covering two bays|on a break|new to the ward]", "[Same issue|Similar incident] on "
    "{@DATE}",
]

#: Openers for a planted re-report of the same incident by someone else.
DUP_INTRO: list[str] = [
    "[Also reported by|Second report from|Reporting as] [the HCA|{nurse}|{dr}|another member of staff|the "
    "night team]", "I was also present", "[Duplicate|Re-report]?[ - see other report|]", "[Further to|Following] "
    "the earlier report", "Witnessed by me as well", "Reporting on behalf of [the team|{nurse}]",
    "[Same incident|Same event] [reported|being reported] by [me|a colleague] as well",
]

#: Word swaps used to paraphrase re-reports.
PARAPHRASE: dict[str, tuple[str, ...]] = {
    "patient": ("pt", "the patient"), "pt": ("patient", "Pt"), "found": ("discovered", "noticed"),
    "floor": ("ground",), "informed": ("made aware", "told"), "given": ("administered",),
    "administered": ("given",), "ward": ("unit",), "observations": ("obs",), "obs": ("observations",),
    "doctor": ("Dr",), "staff": ("team",), "not": ("NOT",), "was": ("had been",), "fell": ("had a fall",),
    "missed": ("omitted",), "omitted": ("missed",), "delayed": ("late",), "reviewed": ("seen",),
    "very": ("extremely",), "and": ("&", "and then"), "with": ("w/",), "because": ("as", "due to"),
}
