"""Residual-risk scan: identifier-shaped strings left in de-identified text are found, clean text is not."""

from incident_lm.deid.residual import ResidualScan, ResidualScanner, lower_case_words, mask, ordinary_words


def _types(text: str, ordinary: frozenset[str] = frozenset()) -> list[str]:
    return [t for _, _, t in ResidualScanner(ordinary).find(text)]


def test_leftovers_of_each_kind_are_found():
    assert _types("NHS no 943 476 5919 on the wristband") == ["NHS_NUMBER"]
    assert _types("called back on 07700 900 123 later") == ["PHONE"]
    assert _types("lives at ls1 4ap near the ward") == ["POSTCODE"]
    assert _types("emailed j.smith at nhs dot net about it") == ["EMAIL"]
    assert _types("fell on 14/03/2021 in the bay") == ["DATE"]
    assert _types("MRN 4471823 given wrong dose") == ["HOSPITAL_NUMBER"]
    assert _types("seen by Dr Okafor after the fall") == ["PERSON"]


def test_placeholders_invalid_numbers_and_ordinary_words_are_not_hits():
    assert _types("seen by [PERSON] on [DATE], NHS [NHS_NUMBER]") == []
    assert _types("batch 943 476 5918 checked") == []  # fails Modulus 11
    assert _types("fell on 45/19/2021") == []  # no such day or month
    # a drug name after a time is not an address ending in ".co"
    assert _types("doing obs @ 2010. Co-amoxiclav 625mg PO") == []
    assert _types("ran too fast at 2315hrs. co-codamol 30/500 given") == []
    assert _types("emailed j.smith@trust.co.uk.") == ["EMAIL"]
    ordinary = ordinary_words(lower_case_words(["the nurse said", "said again", "she said"]))
    assert _types("the Nurse Said it was fine", ordinary) == []


def test_scan_totals_mask_the_sample_and_fail_only_above_the_limit():
    scan = ResidualScan(sample_size=5)
    scan.add(["a", "b", "c"], ["NHS 943 476 5919", "nothing here", "Dr Okafor and 07700 900 123"])
    d = scan.to_dict(max_residual=2)
    assert (d["n_reports"], d["hits"], d["reports_with_any"]) == (3, 3, 2)
    assert d["by_type"]["NHS_NUMBER"] == 1 and d["by_type"]["PHONE"] == 1 and d["by_type"]["PERSON"] == 1
    assert d["pass"] is False and scan.to_dict(max_residual=3)["pass"] is True and scan.to_dict()["pass"]
    joined = " ".join(it["excerpt"] for it in d["sample"])
    assert "5919" not in joined and "Okafor" not in joined and "900 123" not in joined
    assert mask("Okafor") == "O*****"
