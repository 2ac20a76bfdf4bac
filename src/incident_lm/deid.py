"""De-identification of free text: find direct identifiers and replace them with typed placeholders.

Every free-text field is passed through :class:`Deidentifier` before fields are joined and before
anything downstream (splits, representations, language models) sees the text.

Identifier types and placeholders
---------------------------------
``NHS_NUMBER``       10 digits (3-3-4 spaced, dashed or plain) that pass the Modulus 11 check digit.
``HOSPITAL_NUMBER``  local patient numbers after a cue ("MRN", "hospital no.", "unit number", any
                     "no." / "#" / misspelt "numer" followed by 6-10 digits) and bare RX-style codes
                     (1-3 letters of one case followed by 6-9 digits). Device lot numbers written
                     "lot # 60559371" are caught too (over-redaction, accepted).
``PHONE``            UK numbers (01/02/03/07/08..., +44, (0)...), other ``+``-prefixed numbers.
``DATE``             numeric (03/04/1951, 3.4.51, 1951-04-03), written-month (3 April 1951, 3rd Apr,
                     April 3, 1951, April 1951, 23rd august), compact (1OCT92, 29-SEP-93, Jan94) and
                     day/month after a date word ("seen on 3/1"). Times (14:30), scores (5/10) and
                     clinical durations ("for 5/7", "2/52") are not dates.
``POSTCODE``         full UK postcodes (SW1A 1AA, M1 1AE).
``EMAIL``, ``URL``   addresses and links.
``PERSON``           names after a title (Mr, Mrs, Ms, Miss, Mx, Dr, Prof, Sister) or a staff/relative
                     role ("staff nurse", "HCA", "consultant", "daughter", ...); record-style
                     "SMITH, John"; bare names found with a general given-name / surname gazetteer
                     written for this module, or two capitalised words in a name context ("informed
                     Tobias Fairweather", "Ewa Okoro attended"); in upper-case text, gazetteer names
                     after titles/roles ("DR KELLY"). Wards, hospitals and eponyms ("Elizabeth Ward",
                     "St Mary's", "Bell's palsy") are left alone. The title or role word is kept:
                     ``"Dr [PERSON]"``, ``"staff nurse [PERSON]"``.

Why hand-rolled and not presidio-analyzer
-----------------------------------------
presidio-analyzer 2.2 was evaluated offline. It installs spaCy and ~50 packages (~390 MB), and its
``AnalyzerEngine`` downloads a spaCy model at construction (not on PyPI officially), so it cannot run
here. Its pattern recognisers do work one by one without a model, and its NHS recogniser is the same
Modulus 11 rule used below, but its phone recogniser (``phonenumbers``) rejects Ofcom's drama ranges
(07700 900xxx) and its date recogniser misses written-month dates ("3 April 1951"); it has no
hospital-number or title/role-aware person recogniser. The patterns here are therefore hand-rolled,
precompiled and measured against ground truth with :func:`score_redactions`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

TYPES: tuple[str, ...] = ("EMAIL", "URL", "NHS_NUMBER", "HOSPITAL_NUMBER", "PHONE", "POSTCODE", "DATE",
                          "PERSON")
#: Identifier types whose recall target is the "structured" one.
STRUCTURED: tuple[str, ...] = ("NHS_NUMBER", "HOSPITAL_NUMBER", "PHONE", "POSTCODE", "DATE", "EMAIL", "URL")
_PRIORITY = {t: i for i, t in enumerate(TYPES)}

Span = tuple[int, int, str]

# --------------------------------------------------------------------------------------------------
# Structured identifiers
# --------------------------------------------------------------------------------------------------
def _trie(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` factored as a trie (much faster than a flat alternation)."""
    root: dict[str, Any] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return "(?:" + build(root) + ")"


_EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+")
_URL_TRAIL = ".,;:!?)]}'\""

_NHS_RE = re.compile(r"(?<![\d+])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\d])")

_HOSP_CUE = (r"(?:mrn|m\.r\.n\.?|rxn|crn|hospital\s+(?:no|number|num|id|ref)|hosp\.?\s+(?:no|number)|"
             r"unit\s+(?:no|number)|case\s+(?:no|number)|patient\s+(?:id|no|number)|pas\s+(?:no|number|id)|"
             r"k\s+number)")
_HOSP_CUE_KEYS: tuple[str, ...] = ("mrn", "m.r.n", "rxn", "crn", "hosp", "unit", "case", "patient", "pas", "k number")
_HOSP_CUE_RE = re.compile(r"(?i:\b" + _HOSP_CUE + r")\.?\s*[:#]?\s*(?:(?i:is)\s+)?"
                          r"([A-Za-z]{0,3}\d{5,10}[A-Za-z]?)(?![\w])")
# any record number: 6-10 digits straight after "no." / "number" / "#" ("RTX no. 9367709", "unti no 0748767")
# (misspellings of "number" included: "nuber", "numer", "numebr")
_HOSP_NO_RE = re.compile(r"(?i:\b(?:no|num|nu[mbe][a-z]{0,4})\b\.?|#)\s*[:#]?\s*([A-Za-z]{0,2}\d{6,10})(?![\w/])")
_HOSP_BARE_RE = re.compile(r"(?<![\w/-])(?:[A-Z]{1,3}|[a-z]{1,3})\d{6,9}(?![\w/-])")

_PHONE_UK_RE = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|0044\s?|\(0|0)"
                          r"(\d{2,4})\)?[\s-]?(\d{3,4})[\s-]?(\d{3,4})(?![\d])")
_PHONE_INTL_RE = re.compile(r"(?<![\w+])\+(?!44)\d{1,3}[\s-]?(?:\(?\d{1,4}\)?[\s-]?){2,4}\d{2,4}(?![\d])")

_POSTCODE_RE = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|"
                          r"[A-HK-Y]\d[ABEHMNPRV-Y]) ?\d[ABD-HJLNP-UW-Z]{2})\b")

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_MONTH = _trie(_MONTHS)
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:\d{4}|'\d{2})"
_DATE_NUM_RE = re.compile(r"(?<![\d/.:-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d]|[/.-]\d)")
# day/month without a year, only after a date preposition ("seen on 3/1", "since 23/1"): "5/10" stays a score
_DATE_DM_RE = re.compile(r"(?i:\b(?:on|since|from|until|till|dated|before|after|by|"
                         r"(?:arranged|booked|planned|scheduled|listed|due)\s+for)\s+)(\d{1,2})/(\d{1,2})(?![\d/]|\.\d)")
_DATE_ISO_RE = re.compile(r"(?<![\d/.-])(\d{4})([/-])(\d{1,2})\2(\d{1,2})(?![\d]|[/-]\d)")
_DATE_DMY_RE = re.compile(r"(?i)\b(\d{1,2})" + _ORD + r"(?:\s+of)?[\s-]+(" + _MONTH + r")\b\.?"
                          r"(?:,?[\s-]+(" + _YEAR + r"))?(?![\w])")
_DATE_MDY_RE = re.compile(r"(?i)\b(" + _MONTH + r")\b\.?\s+(\d{1,2})" + _ORD + r"(?:,?\s+(" + _YEAR + r"))?"
                          r"(?![\w:])")
_MON3 = _trie(m for m in _MONTHS if len(m) <= 4)
_DATE_COMPACT_RE = re.compile(r"(?i)(?<![\w-])(?:(\d{1,2})(-?)" + _MON3 + r"\2(\d{4}|\d{2})|" + _MON3
                              + r"-?(\d{4}|\d{2}))(?![\w-])")
_DATE_MY_RE = re.compile(r"(?i)\b(" + _MONTH + r")\b\.?,?\s+(\d{4})(?![\w])")


def nhs_number_valid(digits: str) -> bool:
    """True when a 10-digit string passes the NHS Modulus 11 check digit.

    Weights 10..2 over the first nine digits; check = 11 - (sum mod 11), 11 -> 0, 10 -> invalid.
    """
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _valid_dm(a: int, b: int) -> bool:
    """Day/month in either order (UK d/m or US m/d)."""
    return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)


def _month_ok(word: str, has_year: bool) -> bool:
    # "may", "mar", "dec" in lower case are usually words ("may be", "dec. GCS"): keep them only with a year.
    return has_year or not word.islower()


def _counts(text: str) -> tuple[int, int, int]:
    """(ASCII digits, upper-case ASCII letters, ASCII letters) in ``text``, counted in C."""
    raw = text.encode("ascii", "ignore")
    n = len(raw)
    return (n - len(raw.translate(None, _DIGITS)), n - len(raw.translate(None, _UPPERS)),
            n - len(raw.translate(None, _LETTERS)))


_DIGITS = b"0123456789"
_UPPERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LETTERS = _UPPERS + _UPPERS.lower()


def _find_structured(text: str, types: frozenset[str], n_digits: int) -> list[Span]:
    """Candidate spans of every structured type; each pattern runs only when the text could hold a match
    (enough digits, the right separator), which skips most regex passes on typical report text."""
    spans: list[Span] = []
    add = spans.append
    if "EMAIL" in types and "@" in text:
        for m in _EMAIL_RE.finditer(text):
            add((m.start(), m.end(), "EMAIL"))
    if "URL" in types and ("://" in text or "www" in text or "WWW" in text):
        for m in _URL_RE.finditer(text):
            end = m.end()
            while end > m.start() and text[end - 1] in _URL_TRAIL:
                end -= 1
            add((m.start(), end, "URL"))
    if n_digits == 0:  # every pattern below needs a digit
        return spans
    if "NHS_NUMBER" in types and n_digits >= 10:
        for m in _NHS_RE.finditer(text):
            if nhs_number_valid(m.group(1) + m.group(3) + m.group(4)):
                add((m.start(), m.end(), "NHS_NUMBER"))
    if "HOSPITAL_NUMBER" in types and n_digits >= 5:
        lower = text.lower()
        if any(k in lower for k in _HOSP_CUE_KEYS):
            for m in _HOSP_CUE_RE.finditer(text):
                add((m.start(1), m.end(1), "HOSPITAL_NUMBER"))
        if n_digits >= 6:
            for m in _HOSP_BARE_RE.finditer(text):
                add((m.start(), m.end(), "HOSPITAL_NUMBER"))
            if "no" in lower or "#" in lower or "num" in lower:
                for m in _HOSP_NO_RE.finditer(text):
                    add((m.start(1), m.end(1), "HOSPITAL_NUMBER"))
    if "PHONE" in types and n_digits >= 9:
        for m in _PHONE_UK_RE.finditer(text):
            n = len(m.group(1)) + len(m.group(2)) + len(m.group(3))
            if n in (9, 10):
                add((m.start(), m.end(), "PHONE"))
        if "+" in text:
            for m in _PHONE_INTL_RE.finditer(text):
                if 8 <= sum(c.isdigit() for c in m.group()) <= 15:
                    add((m.start(), m.end(), "PHONE"))
    if "POSTCODE" in types and n_digits >= 2:
        for m in _POSTCODE_RE.finditer(text):
            add((m.start(), m.end(), "POSTCODE"))
    if "DATE" in types:
        slash, dash, dot = "/" in text, "-" in text, "." in text
        if n_digits >= 3 and (slash or dash or dot):
            for m in _DATE_NUM_RE.finditer(text):
                a, b = int(m.group(1)), int(m.group(3))
                if _valid_dm(a, b) and not (m.group(2) == "." and len(m.group(4)) == 2 and len(m.group(1)) == 1
                                             and len(m.group(3)) == 1):
                    add((m.start(), m.end(), "DATE"))
        if slash:
            for m in _DATE_DM_RE.finditer(text):
                if 1 <= int(m.group(1)) <= 31 and 1 <= int(m.group(2)) <= 12:
                    add((m.start(1), m.end(2), "DATE"))
        if n_digits >= 6 and (slash or dash):
            for m in _DATE_ISO_RE.finditer(text):
                y, mo, d = int(m.group(1)), int(m.group(3)), int(m.group(4))
                if 1800 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31:
                    add((m.start(), m.end(), "DATE"))
        if n_digits >= 2:
            for m in _DATE_COMPACT_RE.finditer(text):  # 1OCT92, 29-SEP-93, Jan94
                if m.group(1) is None or 1 <= int(m.group(1)) <= 31:
                    add((m.start(), m.end(), "DATE"))
        # written-month dates: only look around the month words (rare), not over the whole text
        n = len(text)
        for mw in _MONTH_WORD_RE.finditer(text):
            lo, hi = max(0, mw.start() - 20), min(n, mw.end() + 24)
            for m in _DATE_DMY_RE.finditer(text, lo, hi):
                ordinal = not m.group(0)[len(m.group(1)):len(m.group(1)) + 1].isspace()  # "23rd august"
                if 1 <= int(m.group(1)) <= 31 and _month_ok(m.group(2), ordinal or m.group(3) is not None):
                    add((m.start(), m.end(), "DATE"))
            for m in _DATE_MDY_RE.finditer(text, lo, hi):
                if 1 <= int(m.group(2)) <= 31 and _month_ok(m.group(1), m.group(3) is not None):
                    add((m.start(), m.end(), "DATE"))
            for m in _DATE_MY_RE.finditer(text, lo, hi):
                if _month_ok(m.group(1), True):
                    add((m.start(), m.end(), "DATE"))
    return spans


_MONTH_WORD_RE = re.compile(r"(?i)\b" + _MONTH + r"\b")


# --------------------------------------------------------------------------------------------------
# Person names
# --------------------------------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    return text.split()


# A general gazetteer of common given names and surnames in the UK population, written for this module
# (not derived from any generator). Ambiguous given names (also ordinary words or months) are only used
# when a gazetteer surname follows.
FIRST_NAMES: frozenset[str] = frozenset(_words("""
Aaron Abdul Abigail Adam Adrian Ahmed Aisha Alan Albert Alex Alexander Alexandra Alfie Alice Alison Amanda Amelia
Amir Amy Andrea Andrew Angela Anita Ann Anna Anne Annie Anthony Anton Archie Arthur Ashley Ava Barbara Barry Beatrice
Ben Benjamin Bernard Beth Bethany Beverley Bilal Brenda Brian Bridget Callum Cameron Carl Carla Carly Caroline Catherine
Charles Charlie Charlotte Chloe Chris Christine Christopher Claire Clare Colin Connor Craig Daniel Danielle Darren
David Dawn Deborah Debbie Declan Denise Dennis Derek Diana Diane Dominic Donna Dorothy Douglas Duncan Dylan Edward
Eileen Elaine Eleanor Elena Elizabeth Ella Ellie Emily Emma Eric Erin Ethan Evelyn Fatima Fiona Frances Freddie
Gareth Gary Gavin Gemma Geoffrey George Georgia Gillian Gordon Graham Hannah Harriet Harrison Harvey Hassan Hayley
Heather Helen Henry Hugh Ian Imran Isaac Isabel Isabella Isla Jack Jacob Jacqueline James Jamie Jane Janet Janice
Jasmine Jason Jeffrey Jennifer Jenny Jeremy Jessica Joan Joanna Joanne Joe John Jonathan Joseph Joshua Joyce
Judith Julia Julie Justin Karen Kate Katherine Kathleen Katie Keith Kelly Kenneth Kevin Kieran Kim Kirsty Laura
Lauren Leah Lee Leo Leon Lesley Leslie Liam Linda Lindsay Lisa Logan Louise Lucy Luke Lynn Lynne Maisie Malcolm Mandy
Margaret Maria Marie Marion Martin Martyn Mary Matthew Maureen Megan Melanie Michael Michelle Mohammed Mohammad Muhammad
Mia Natalie Nathan Neil Nicholas Nicola Nigel Noah Norman Oliver Olivia Oscar Owen Pamela Patricia Paul Paula Pauline
Peter Philip Phillip Rachel Rebecca Richard Robert Robin Roger Rosemary Ryan Sally Samantha Samuel Sandra Sarah Scott
Sean Sharon Shaun Sheila Simon Sofia Sophie Stacey Stephanie Stephen Steven Stuart Susan Suzanne Sylvia Tanya Teresa
Theo Theresa Thomas Timothy Toby Tom Tracey Tracy Trevor Valerie Vanessa Victoria Vincent Wayne Wendy William Yasmin
Yusuf Zara Zoe Priya Ravi Rajesh Sanjay Anil Deepak Sunita Anjali Nadia Omar Ali Tariq Farah Ayesha Kwame Chidi Ngozi
Oluwaseun Adebayo Wei Ming Jin Siobhan Niamh Aoife Ciaran Eoin Seamus Bronwen Rhys Dafydd Gethin Sian Cerys Iain Ewan
Fraser Morag Kirsteen Agnieszka Katarzyna Piotr Tomasz Marek
"""))
# More given names across generations and the UK's communities (English, Scottish, Welsh, Irish, South Asian,
# African, Caribbean, East Asian, Eastern European, Arabic).
FIRST_NAMES = FIRST_NAMES | frozenset(_words("""
Abbie Abdullah Abi Ada Adele Aditya Adriana Agnes Aidan Aileen Ainsley Akash Alana Alastair Alec Alesha Alfred Alicia
Alistair Allan Alma Amal Amara Amina Amit Amrit Anastasia Andre Andreea Andrei Andy Aneesa Angus Anika Anisa Anjum
Annabel Annette Antonia Anya Arjun Arlo Arran Asha Ashok Asif Aston Aurora Austin Ayaan Aya Bailey Barney Basil Becky
Belinda Bella Benedict Bernadette Bertie Bethan Betty Bianca Blake Bogdan Bonnie Brandon Brendan Brett Bronwyn Bruce
Bryony Caitlin Caleb Camilla Candice Cara Carmen Carol Caroline Carys Cassandra Catriona Cecilia Cedric Celia Chantelle
Chandra Chantal Charlene Chelsea Cheryl Chiamaka Chinedu Chioma Christian Christina Ciara Cillian Clara Claudia Clifford
Clive Colette Conor Constance Cora Corinne Courtney Cyril Dale Damian Damien Dana Daniela Dario Darius Daryl Davina
Dean Delia Della Demi Desmond Devon Dhruv Dilip Dina Dmitri Dolores Dominika Doreen Dorota Dulcie Eamon Eben Eddie
Edgar Edith Edmund Edna Efua Eilidh Elif Elijah Eliza Ella Elliot Elliott Eloise Elsa Elsie Emeka Emil Emilia Emmanuel
Enid Enrique Esme Esther Ethel Eugene Eunice Eva Evan Ezra Fahad Faisal Farhan Felicity Felix Fergus Finlay Finley Finn
Flora Florin Folake Francesca Francis Freda Freya Gabriel Gabriela Gabrielle Gail Gemma Geraldine Gerald Gerard Gianna
Gilbert Giles Gina Giorgio Giulia Gladys Glen Glenn Gloria Glyn Godfrey Gordon Grant Greg Gregory Gulshan Gurpreet
Gwen Gwyneth Hafsa Hamza Hari Harjit Harold Harpreet Harriet Hasan Hazel Hector Heidi Helena Herbert Hilary Hilda Hollie
Howard Hugo Humza Ibrahim Idris Ifeoma Ilona Imogen Ines Ingrid Irene Irfan Isaiah Ismail Ivan Ivana Jacek Jackie
Jade Jake Jakub Jamal Jana Jasmin Jaspreet Javed Jay Jayden Jeanette Jemima Jenna Jesse Jill Joanne Jocelyn Jodie
Joel Johanna Jolene Jon Jonah Jorge Josephine Josh Josie Joy Juan Jude Jules Juliet Justine Kai Kamal Kamran Karan
Karim Karina Karl Kasia Kathryn Katy Kayleigh Keira Kelvin Kemi Kenny Kerry Khadija Kimberley Kiran Kirk Krishna
Krystyna Kyle Lacey Lana Lara Larry Latoya Laurence Layla Leanne Leigh Lena Leonard Leonie Lewis Lexi Lillian Lina
Linus Lionel Lloyd Lois Lola Lorna Lorraine Louis Louisa Luca Lucas Lucia Luis Lukasz Lydia Lyndsey Mabel Maddie
Madeleine Magdalena Maggie Mahmood Maja Malik Manish Manjit Marcel Marcia Marcus Marek Margot Mariam Marina Mario
Marissa Marjorie Marlon Marta Martha Maryam Mateusz Mathew Matilda Maud Maurice Mavis Maxine Mehmet Melissa Meera
Mehreen Mercy Meredith Michaela Mihai Mikael Mildred Millie Miranda Miriam Mitchell Moira Molly Monica Morgan Moses
Muriel Murray Nadine Naomi Nasir Natasha Nathaniel Navdeep Neha Nell Nelson Nia Nick Nicky Nicole Nikhil Nikita Nina
Nisha Nkechi Noel Noor Nora Noreen Norma Olga Oliwia Olufemi Oluwadamilare Orla Osman Otto Ozzy Paige Pankaj Patrice
Patrick Pawel Pedro Percy Perry Petra Phoebe Phyllis Pierre Piers Polly Preeti Priyanka Rafael Rahul Raj Rajinder Ralph
Ramesh Rania Raphael Rashid Raymond Reece Reggie Rehana Reuben Rhiannon Rhona Ricardo Riley Rita Roberta Robyn Rocco
Rohan Roisin Roland Ronald Ronan Rory Rosa Rosalind Rosie Ross Rowan Roxanne Roy Rukhsana Rupert Russell Ruth Sabrina
Sadia Saima Sajid Salma Salman Sami Samir Samira Sandeep Sanjeev Santiago Sara Sasha Saskia Selina Seren Serena Shabana
Shahid Shakira Shane Shanice Shannon Sharmila Shauna Shazia Shelley Sherry Shirley Shreya Sidney Sienna Silvia Simone
Sinead Sione Sonia Sophia Stan Stefan Stella Steph Stewart Sukhwinder Sumaiya Sunil Suresh Susie Suzanne Sven Tamara
Tamsin Tara Tasha Ted Terence Terry Tess Tessa Thelma Theodore Tilly Tina Tobias Todd Tomas Toni Tony Tommy Travis
Tristan Troy Tyler Uma Umar Usman Vera Veronica Vicky Viktor Vinod Viola Violet Virginia Vivian Vivienne Wanda Warren
Wesley Wilfred Willow Winifred Winston Wojciech Xavier Yasir Yvette Yvonne Zainab Zak Zakir Zeynep Zofia Zuzanna
"""))
AMBIGUOUS_FIRST_NAMES: frozenset[str] = frozenset(_words("""
April May June Grace Hope Faith Joy Will Mark Bill Pat Sue Rose Ruby Amber Jade Holly Iris Ivy Lily Daisy Poppy Pearl
Rob Dean Drew Max Ray Guy Frank Carol Sunny Summer Autumn Eve Jean Ben Jo Di Bob Sam Don Penny Crystal Florence
Victoria Alexandra Elizabeth Charlotte Jordan Stanley Harley Jan Jean
"""))
SURNAMES: frozenset[str] = frozenset(_words("""
Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright Walker Edwards
Hughes Lewis Harris Clarke Patel Jackson Turner Martin Cooper Morris Moore Clark Harrison Morgan Allen Scott Phillips
Watson Davis Parker Bennett Young Griffiths Mitchell Kelly Richardson Bailey Collins Murphy Miller Richards Khan
Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Mason Ali Hussain
Campbell Matthews Owen Palmer Holmes Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon
Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Ford
Pearce Lawrence Atkinson Bradley Spencer Gill Dawson Burton O'Brien Watts Perry Ryan Wells Armstrong Francis Rees
Hayes Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Marsh Riley Dunn Parsons Holland Hawkins Harding
Robertson Newton Kennedy Williamson Gardner Shah Henderson Parry Burgess Walton Burns Nicholson Shepherd Ross
Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins O'Connor Harper Coleman
Watkins McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler Osborne Johnston Gordon Doyle Wallace Pritchard
Gilbert Willis Higgins Stevenson Stephenson Hammond Arnold Buckley Walters Hewitt Barber Nelson Slater Sullivan
Whitehead Lambert Stephens Akhtar Lynch Goodwin Barton Woodward Thomson Cunningham Quinn Barnett Baxter Bibi Clayton
Jennings Kemp Poole Gallagher Stokes Tucker Davidson Fowler Norman Middleton Lawson Jarvis Gibbs Ferguson Hayward
Carroll Douglas Dickinson Todd Barlow Peters Lucas Knowles Hartley Miah Simmons Morton Morrison Norris Townsend
Preston Hancock Thornton Baldwin Burrows Briggs Pollard Rahman Nguyen Chen Wang Kowalski Nowak Okafor Adeyemi Mensah
Osei Chowdhury Islam Uddin Mahmood Iqbal Sharma Gupta Kumar Rao Nair Reddy Mistry Desai Joshi Mehta Choudhury
Bakare Okonkwo Owusu Boateng Asante Mohamed Abdi Hassan Yilmaz Kaya Rossi Garcia Martinez Lopez Silva Santos Costa
Murphy Kelly O'Sullivan Walsh McLaughlin Campbell MacDonald MacLeod Fraser Mackenzie Grant Reid Duncan Mackay
Llewellyn Pugh Jenkins Vaughan Bevan Morgan Price Jarvis Cohen Levy Goldberg Fernandes Pereira Rodrigues
"""))
SURNAMES = SURNAMES | frozenset(_words("""
Abbott Abraham Acheampong Adair Adebayo Adeleke Agarwal Ahmad Ainsworth Aitken Akhtar Alam Aldridge Allison Amin
Anwar Appleby Archer Arora Ashworth Aslam Aspinall Atherton Atwal Aziz Bagshaw Bains Bajwa Banerjee Bansal Barker
Barr Barrow Bartlett Bashir Bassett Batchelor Bateman Beattie Beaumont Beckett Bell Benson Bentley Bhatt Bhatti Birch
Blackburn Blackwell Blair Bolton Bourne Bowen Bowman Boyd Boyle Bradshaw Brady Bray Brennan Brewer Bridges Brooke
Broughton Buchanan Bull Bunting Burnett Butt Byrne Cairns Caldwell Callaghan Cameron Carey Carpenter Cartwright Chadwick
Chahal Chan Chandler Chauhan Cheema Cheung Chopra Christie Clements Clifford Cochrane Coates Coles Connolly Conway
Copeland Corbett Cowan Crawford Crossley Cullen Dalton Daly Daniels Dar Das Dhillon Dillon Dobson Docherty Dodd Donnelly
Downes Doherty Drummond Duffy Dutta Dyer Eaton Eccles Farrell Farooq Fenton Finch Fitzgerald Fleming Flynn Forbes Forrest
Foster Fox Fuller Gale Gallacher Gardiner Garner Gates Gee Gibbons Gilmore Gledhill Glover Godfrey Goddard Goodall
Gough Gowland Greaves Grewal Griffith Hale Hall Halliday Hanson Harding Hargreaves Harrington Haworth Haynes Healy
Hegarty Henry Herbert Hickey Hicks Hill Hines Hobbs Hodges Holden Hooper Horton Houghton Howe Howell Hughes Humphreys
Hurst Hutchinson Ingram Irving Jacobs Jakubowski Jamieson Jefferson Jeffries Johal Jordan Joyce Kapoor Kaur Kavanagh
Kaye Keane Kearney Keenan Kelsall Kendall Kerr Khalid Khanna Kidd Kirby Kirk Kohli Kozlowski Lamb Lang Law Leach Lees
Leigh Leonard Lewandowski Lindsay Little Lord Lyons Macdonald Mahmood Mahmud Malik Marsden Mather Maxwell McAllister
McBride McCann McCormick McDermott McDowell McGrath McGregor McIntyre McKay McKenna McLean McLeod McMahon McNeill
Mead Mehta Mellor Merritt Metcalfe Molloy Montgomery Moran Morley Mortimer Moyo Mukherjee Munro Naylor Ndlovu Nolan
Noon Nwosu Oakley Oates Obi Odhiambo Ogunleye Okeke Okoye Oliver Orr Ortiz Pace Pandya Parekh Parkinson Parmar Patterson
Paul Pearce Pennington Perkins Petrov Phelps Pickering Pike Plant Pope Pratt Prior Procter Qureshi Rafiq Rai Ramsay
Randall Rana Rashid Rathore Raza Redmond Rehman Rhodes Rice Richmond Riaz Rigby Roach Rowley Roy Rutherford Saeed Sahota
Salmon Sandhu Sanderson Sargent Schofield Scully Sealy Sethi Sexton Seymour Shaikh Sharif Sheikh Sheppard Short Siddiqui
Sidhu Sinclair Skinner Sloan Smart Solomon Sparks Stanton Steele Sterling Stone Storey Strong Sultan Summers Sutherland
Swann Sykes Tan Tanner Tate Taylor Thakur Tierney Tomlinson Tran Trivedi Turnbull Vance Varma Vaughan Verma Vickers
Wade Wainwright Wakefield Walker Walsh Warner Waterhouse Watt Weaver Welch Whitaker Whittaker Wiggins Wilde Wilkins
Winter Wong Woodcock Worrall Wyatt Yadav Young Yusuf Zaman Zhang Zhou Wu Liu Huang Yang Zhao Lin Ho Lam Ng Kaur
"""))
# Surnames that are also ordinary or clinical words: only taken after a title, a role or a given name.
AMBIGUOUS_SURNAMES: frozenset[str] = frozenset(_words("""
Ward Long Day Hall Green White Black Brown Hill King Cook Baker Bell Rose Field Page West Cross Stone Bishop Porter
Carter Mann Mills Hunt Wood Woods Lee Fox Cole Ball Booth Hart Berry Lane Dean Bird Reed Read Shaw Gray Grey Moss
Frost Nash Holt Heath Banks French Stanley Bond Marsh Rowe Burke Miles Austin May James George Oliver
Young Little Swift Wise Rich Best Park Parks Church Gold Silver Cash Bush
"""))
_NOT_NAMES: frozenset[str] = frozenset(_words("""
The A An And Or But On In At To From For Of By With Was Were Is Are Has Had Have Be Been He She It They We I You
His Her Their Our This That These Those Then When Where Who Whom Which What Why How After Before During Whilst While
Patient Patients Pt Nurse Nurses Staff Team Ward Wards Bay Bed Room Unit Units Hospital Trust Theatre Theatres Clinic
Called Informed Reviewed Asked Came Said Not No Yes Please Also Re Noted Found Given Seen Told Advised Escalated
Datix Incident Report Reported Safety Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February
March April June July August September October November December Morning Afternoon Evening Night Today Yesterday
Tomorrow Consultant Registrar Doctor Doctors Surgeon Surgeons Surgery Surgical Medical Medicine Medicines Emergency
Department Orthopaedic Orthopaedics Paediatric Paediatrics Cardiology Radiology Radiologist Oncology Maternity
Midwife Midwives Pharmacy Pharmacist Physio Physiotherapy Anaesthetic Anaesthetics Anaesthetist Critical Care
Intensive General Acute Community Mental Health Services Service Urgent Primary Secondary Senior Junior Student
Bank Agency Night Day Duty Charge Staffnurse Sister Matron Manager Lead Head Chief Officer Director Nursing
Discharge Admission Admitted Transfer Transferred Ambulance Paramedic Paramedics Police Security Fire Social
Worker Workers Relative Relatives Family Son Daughter Wife Husband Mother Father Mum Dad Partner Carer Carers Next
Kin Unknown Other None Dr Mr Mrs Ms Miss Mx Prof Professor Rev St Saint Royal Queen King Prince Princess General
Infirmary Centre Center Practice Surgery House Wing Block Suite Road Street Lane Avenue Drive Way Close Court NHS
English British Scottish Welsh Irish Asian African Caribbean European Christian Muslim Jewish Hindu Sikh Catholic
Covid Coronavirus Influenza Hepatitis Insulin Heparin Warfarin Morphine Paracetamol Oxygen Saline Fentanyl Oramorph
Ibuprofen Amoxicillin Gentamicin Vancomycin Tazocin Enoxaparin Clexane Apixaban Rivaroxaban Dalteparin Furosemide
Labetalol Digoxin Lithium Clozapine Methotrexate Oxytocin Syntocinon Potassium Sodium Calcium Magnesium Glucose
Practitioner Practitioners Transport Review Advice Information Liaison Specialist Specialists Assistant Assistants
Support Coordinator Technician Technicians Therapist Therapists Therapy Advocate Outreach Safeguarding Tissue Viability
Infection Control Prevention Falls Pressure Sepsis Stroke Diabetes Diabetic Respiratory Renal Dialysis Endoscopy
Radiographer Radiographers Porter Porters Portering Domestic Domestics Housekeeping Estates Facilities Switchboard
Bleep Pager Rota Shift Handover Escalation Policy Procedure Protocol Guideline Guidelines Pathway Form Chart Notes
Plan Assessment Referral Clinic Outpatient Outpatients Inpatient Inpatients Day Case Recovery Resus Resuscitation
Majors Minors Triage Reception Admissions Discharge Lounge Pharmacist Pharmacists Doctor On Call Duty Manager Site
Fever Toxoid Syndrome Synd Disease Palsy Purpura Scan Scans Am Pm Im Iv Sc Po Pr Tetanus Rubella Measles Mumps Polio
Pertussis Diphtheria Varicella Zoster Herpes Lyme Ebola Rabies Typhoid Cholera Yellow World Mon Tue Tues Wed Thu Thur
Thurs Fri Sat Sun Vaccine Vaccines Vaccination Hep Flu Tylenol Motrin Benadryl Advil Aspirin Tamiflu Epipen Epinephrine
Adrenaline Prednisone Prednisolone Hydrocortisone Antibiotic Antibiotics Cream Tablet Tablets Injection Infusion
Epstein Barr Guillain Barre Henoch Schonlein Kawasaki Reye Reyes Hodgkin Crohn Alzheimer Red Rica
Cardiac Arrest Respiratory Lt Rt Left Right Leg Legs Arm Arms Head Chest Md Saw Hlth Dept Noon Midnight Er Ed Icu
Itu Gp Ooh Nhs Cpr Dnacpr Resus Bp Hr Rr Temp Obs Ecg Ct Mri Xray Iv Im Sc Nbm Tto Ttos Pts Pt's
Bed Manager Capacity Flow Hub Control Room Labour Delivery Suite Neonatal Postnatal Antenatal Theatre Recovery
Fell Fall Fallen Felt Became Went Bled Died Dies Lost Hit Struck Unwell Unresponsive Aggressive Confused Agitated
Distressed Drowsy Upset Angry Abusive Violent Pale Clammy Sick Sat Stood Got Took Kept Ran
"""))
# Capitalised clinical verbs after a role ("Patient Slipped", "Nurse Noticed"): not names unless the gazetteer knows
# them ("Fred", "Mohammed").
_INFLECTED_RE = re.compile(r"[A-Z][a-z]{2,}(?:ed|ing)")
# After a title only function words, pronouns and calendar words end a name ("Dr Ward" is a name).
_TITLE_STOP: frozenset[str] = frozenset(_words("""
The A An And Or But On In At To From For Of By With Was Were Is Are Has Had Have Be Been He She It They We I You
His Her Their Our This That These Those Then When Where Who Which What Why How After Before During Whilst While
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April June July August September
October November December Not No Yes Please Also Re Called Informed Asked Said Came
"""))
# Surnames that are also place words: a surname unless a preposition or the lack of a known given name
# says it is a ward or hall.
_SURNAME_PLACES: frozenset[str] = frozenset({"Ward", "Hall"})
_PLACE_PREPOSITIONS: frozenset[str] = frozenset(_words("on to from at in onto into of the via back off"))
# Words that precede a bare name mid-sentence ("informed Tobias Fairweather", "seen by Ewa Okoro").
_PERSON_PREV: frozenset[str] = frozenset(_words("""
by with informed told asked called contacted and saw seen reviewed paged bleeped rang phoned per cc named
"""))
# Verbs that follow a sentence-initial name in incident narratives ("Ewa Okoro attended").
_PERSON_VERBS: frozenset[str] = frozenset(_words("""
informed attended gave was is has had said stated reported noticed noted found called asked went came arrived
checked administered escalated contacted documented explained told reviewed saw took tried did could would will
advised agreed refused declined spoke rang phoned witnessed assisted helped removed returned left completed
"""))
# Words that follow a name and not a place: the verbs above and identifier cues ("Ewa Okoro (MRN ...").
_NAME_FOLLOWERS: frozenset[str] = _PERSON_VERBS | frozenset(_words("""
who whose unit hospital hosp mrn nhs dob d.o.b born aged age
"""))
_ID_CUE_AFTER: frozenset[str] = frozenset(_words("no no. number num id ref"))
_ARTICLES: frozenset[str] = frozenset(_words("the a an this that another any each"))
_NEXT_WORD_RE = re.compile(r"[\s(\[,;:]+([\w&]+(?:\.\w+)*)")
_PLACE_AFTER: frozenset[str] = frozenset(_words(
    "ward wards unit hospital infirmary centre center house wing suite theatre theatres clinic building block bay "
    "department surgery practice road street lane avenue close drive way court hall college school trust "
    "syndrome syndromes synd disease palsy paralysis purpura sign test reaction phenomenon sarcoma lymphoma tumour tumor "
    "fracture score scale criteria catheter procedure manoeuvre maneuver pump classification type virus vaccine "
    "vaccination shot dose tube mask needle valve stent variant"))
_PLACE_BEFORE: frozenset[str] = frozenset(_words("st st. saint queen king prince princess royal lady sir"))

_TITLE = r"(?:(?i:mr|mrs|ms|miss|mx|dr|prof|professor|sister|sr)|Rev|Lady|Sir)"
_TITLE_WORDS: frozenset[str] = frozenset(_words("mr mrs ms miss mx dr prof professor sister sr rev lady sir"))
_NAME_TOKEN = r"(?:[A-Z](?:[a-z]+|'[A-Z][a-z]+)(?:[A-Z][a-z]+)?(?:-[A-Z][a-z]+)?)"
_INITIAL = r"(?:[A-Z]\.?(?=\s))"
_NAME_SEQ = r"(?:(?:" + _INITIAL + r"\s+){0,2}" + _NAME_TOKEN + r"(?:\s+" + _NAME_TOKEN + r"){0,2})"
_TITLE_RE = re.compile(r"\b" + _TITLE + r"\b\.?\s+(" + _NAME_SEQ + r"|" + _INITIAL + r")")
# Staff and relative roles that precede a name ("staff nurse Jane Smith", "HCA Tom Price", "daughter Emma");
# the last word of a multi-word role is enough ("support worker" -> "worker").
ROLE_WORDS: frozenset[str] = frozenset(_words("""
nurse nurses sister matron midwife hca hcsw porter physio physiotherapist pharmacist technician paramedic
nephew niece grandson granddaughter grandmother grandfather grandma grandad aunt uncle cousin neighbour
fiance fiancee stepson stepdaughter guardian
consultant registrar spr sho fy1 fy2 f1 f2 ct1 ct2 st1 st2 st3 st4 st5 st6 st7 st8 doctor surgeon anaesthetist
radiographer gp manager receptionist clerk carer cleaner colleague patient son daughter wife husband mother
father mum dad brother relative partner friend nok kin anp acp cns rn rgn rmn sn coordinator co-ordinator
practitioner assistant therapist dietitian dietician psychiatrist psychologist officer lead supervisor worker
student staff senior junior charge named bank agency locum tutor mentor preceptor resident intern attending
"""))
# Words after which a shouted capitalised word may be a name ("PT A. SHARMA", "HCA MICHAEL SMITH").
_CAPS_CONTEXT: frozenset[str] = ROLE_WORDS | _TITLE_WORDS | {"pt", "patient", "service", "user"}
_CAP_RE = re.compile(r"(?<![\w'-])(?:" + _INITIAL + r"\s+)?" + _NAME_TOKEN + r"(?:\s+" + _NAME_TOKEN + r"){0,2}")
_TOKEN_IN_SEQ_RE = re.compile(_NAME_TOKEN + r"|" + r"[A-Z]\.?")
# "KOWALSKI, Abimbola", "SMITH, JOHN", "Smith, John": the record-style surname-first form
_SURNAME_FIRST_RE = re.compile(r"(?<![\w'-])([A-Z][A-Za-z'-]*[A-Za-z]), ([A-Z][A-Za-z'-]*[a-zA-Z])(?![\w'-])")
_WORD_RE = re.compile(r"[A-Za-z](?:[A-Za-z0-9'-]*[A-Za-z0-9])?\.?")


def _next_word(text: str, end: int) -> str:
    m = _NEXT_WORD_RE.match(text, end, end + 40)
    return m.group(1).lower() if m else ""


def _prev_word(text: str, start: int) -> str:
    """The word before ``start`` (lower case, a trailing full stop kept; "" when none or not separated
    by white space): "housebound.HCA Tom" -> "hca", "nurse. Jane" -> "nurse."."""
    tail = text[max(0, start - 40):start]
    stripped = tail.rstrip()
    if not stripped or len(stripped) == len(tail):
        return ""
    i = len(stripped) - (stripped[-1] == ".")
    j = i
    while j > 0 and (stripped[j - 1].isalnum() or stripped[j - 1] == "_"):
        j -= 1
    return stripped[j:].lower() if j < i else ""


def _trim_name(text: str, start: int, end: int, stop: frozenset[str]) -> tuple[int, int] | None:
    """The leading run of name tokens in ``text[start:end]`` (cut at the first word in ``stop``);
    trailing lone initials are dropped; None if nothing is left."""
    keep: list[tuple[int, int, str]] = []
    for m in _TOKEN_IN_SEQ_RE.finditer(text, start, end):
        if m.group() in stop:
            break
        keep.append((m.start(), m.end(), m.group()))
    while keep and len(keep[-1][2].rstrip(".")) == 1:  # trailing initials alone are not a name
        keep.pop()
    if not keep:
        return None
    return keep[0][0], keep[-1][1]


def _is_id_cue(word: str) -> bool:
    """ "no", "number" and its misspellings ("nuber", "numer"), "id", "ref"."""
    return word in _ID_CUE_AFTER or (word.startswith(("nu", "no")) and len(word) <= 7)


def _surname_like(token: str, surnames: frozenset[str]) -> bool:
    """A gazetteer surname, or a hyphenated one with a gazetteer part ("Price-Jones")."""
    return token in surnames or ("-" in token and any(p in surnames for p in token.split("-")))


def _sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in ".!?:;\n\r\"'(-*"


@dataclass(frozen=True)
class DeidConfig:
    """Settings of the de-identifier (the ``deid`` params section).

    Attributes
    ----------
    types : tuple of str
        Identifier types to redact (default: all of :data:`TYPES`).
    gazetteer : bool
        Find bare names with the first-name / surname gazetteer (titles and roles always apply).
    extra_names : tuple of str
        Extra given names or surnames to treat as names (e.g. local staff lists).
    not_names : tuple of str
        Capitalised words never to treat as names (e.g. local ward names "Nightingale").
    """

    types: tuple[str, ...] = TYPES
    gazetteer: bool = True
    extra_names: tuple[str, ...] = ()
    not_names: tuple[str, ...] = ()
    placeholder: str = "[{type}]"
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, cfg: Mapping[str, Any] | None) -> DeidConfig:
        """Build from a plain mapping (unknown keys are kept in ``extra``)."""
        cfg = dict(cfg or {})
        types = tuple(cfg.pop("types", None) or TYPES)
        bad = [t for t in types if t not in TYPES]
        if bad:
            raise ValueError(f"deid.types: unknown identifier type(s) {bad}; choose from {', '.join(TYPES)}")
        return cls(types=types, gazetteer=bool(cfg.pop("gazetteer", True)),
                   extra_names=tuple(cfg.pop("extra_names", None) or ()),
                   not_names=tuple(cfg.pop("not_names", None) or ()),
                   placeholder=str(cfg.pop("placeholder", "[{type}]")), extra=cfg)


class Deidentifier:
    """Find identifiers in free text and replace them with typed placeholders.

    Parameters
    ----------
    config : DeidConfig or mapping, optional
        See :class:`DeidConfig`; a mapping (the ``deid`` params section) is converted.

    Examples
    --------
    >>> Deidentifier().redact("Seen by Dr Patel on 03/04/2023")[0]
    'Seen by Dr [PERSON] on [DATE]'
    """

    def __init__(self, config: DeidConfig | Mapping[str, Any] | None = None):
        if not isinstance(config, DeidConfig):
            config = DeidConfig.from_mapping(config)
        self.config = config
        self._types = frozenset(config.types)
        extra = frozenset(config.extra_names)
        self._first = FIRST_NAMES | extra
        self._surnames = SURNAMES | extra
        self._bare_surnames = (SURNAMES - AMBIGUOUS_SURNAMES) | extra
        self._gaz_lower = frozenset(w.lower() for w in self._first | self._surnames | AMBIGUOUS_SURNAMES)
        self._first_lower = frozenset(w.lower() for w in self._first)
        self._bare_surnames_lower = frozenset(w.lower() for w in self._bare_surnames)
        self._not_names = frozenset(config.not_names)
        # stop-word sets used per text, built once
        self._title_stop = _TITLE_STOP | self._not_names
        self._name_stop = _NOT_NAMES | self._not_names
        self._role_stop = (_NOT_NAMES - _SURNAME_PLACES) | self._not_names
        self._record_stop = self._name_stop | _TITLE_STOP
        self._caps_stop_lower = frozenset(w.lower() for w in self._record_stop)
        self._ambiguous_first_lower = frozenset(x.lower() for x in AMBIGUOUS_FIRST_NAMES)
        self._placeholders = {t: config.placeholder.format(type=t) for t in TYPES}

    # ---- detection -----------------------------------------------------------------------------
    def find(self, text: str) -> list[Span]:
        """Non-overlapping identifier spans ``(start, end, type)`` in ``text``, sorted by start."""
        if not text:
            return []
        n_digits, n_upper, n_letters = _counts(text)
        cands = _find_structured(text, self._types, n_digits)
        if "PERSON" in self._types:
            cands.extend(self._find_names(text))
            if n_upper > 0.6 * n_letters > 0:
                titled = text.title()  # SHOUTED TEXT: look for names in a title-cased copy
                if len(titled) == len(text):
                    cands.extend(self._find_caps_names(titled))
        return _resolve(cands)

    def _find_names(self, text: str) -> list[Span]:
        spans: list[Span] = []
        title_stop = self._title_stop
        for m in _TITLE_RE.finditer(text):
            if _prev_word(text, m.start()) in _ARTICLES:
                continue  # "the Dr." is a role, not a title
            cut = _trim_name(text, m.start(1), m.end(1), title_stop)
            if not cut:
                continue
            if "." in text[m.start():m.start(1)] and " " not in text[cut[0]:cut[1]].strip() \
                    and not self._is_name_word(text[cut[0]:cut[1]]) and _sentence_start(text, m.start(1) - 1):
                continue  # "... with Dr. Plan agreed": a full stop, then an unknown single word
            spans.append((cut[0], cut[1], "PERSON"))
        self._find_run_names(text, spans)
        self._find_surname_first(text, spans)
        return spans

    def _is_name_word(self, word: str) -> bool:
        return word in self._first or word in self._surnames or word in AMBIGUOUS_SURNAMES

    def _find_surname_first(self, text: str, spans: list[Span]) -> None:
        """"KOWALSKI, Abimbola" / "Smith, John": a surname, a comma, a given name."""
        stop = self._record_stop
        for m in _SURNAME_FIRST_RE.finditer(text):
            sur, given = m.group(1), m.group(2)
            known_sur = _surname_like(sur.title(), self._surnames)
            known_given = given.title() in self._first
            record_style = sur.isupper() and len(sur) > 2 and given[1:].islower() \
                and _next_word(text, m.end()) in _NAME_FOLLOWERS and not ({sur.title(), given} & stop) \
                and given.lower() not in ROLE_WORDS  # "LINDQVIST, Beryl (hosp no ...", not "TTO, Pharmacy was"
            if (known_sur and known_given) or (sur.isupper() and len(sur) > 1 and (known_sur or known_given)) \
                    or record_style:
                spans.append((m.start(), m.end(), "PERSON"))

    def _find_caps_names(self, titled: str) -> list[Span]:
        """Names in upper-case text, found in its title-cased copy (same offsets). Every word is capitalised
        there, so a name needs a gazetteer word: after a title or role ("DR KELLY", "HCA MICHAEL SMITH",
        "DR EWA NGUYEN"), a given name or initial with a surname ("JANE SINGH", "P. WONG"), an unknown word
        with a surname before a verb or cue ("MEI BOATENG BORN"), or one unknown word after a title or role
        before a verb or cue ("DR NOVAK WAS")."""
        spans: list[Span] = []
        words = [(m.start(), m.end() - m.group().endswith("."), m.group().rstrip("."), m.group().endswith("."))
                 for m in _WORD_RE.finditer(titled)]
        n = len(words)
        gaz, first, bare_sur = self._gaz_lower, self._first_lower, self._bare_surnames_lower
        stop = self._caps_stop_lower
        context_words = _CAPS_CONTEXT
        ambiguous_first = self._ambiguous_first_lower

        def adjacent(j: int, after_context: bool = False) -> bool:
            """Word j follows word j-1 in the same sentence (a full stop only after an initial or title)."""
            if not j:
                return False
            gap = titled[words[j - 1][1]:words[j][0]].strip()
            prev = words[j - 1][2]
            return gap == "" or (gap == "." and (len(prev) == 1 or (after_context and prev.lower() in _TITLE_WORDS)))

        def name_word(j: int) -> bool:
            w = words[j][2].lower()
            return w in gaz and w not in stop

        i = 0
        while i < n:
            s, e, w, _ = words[i]
            lw = w.lower()
            ctx = i > 0 and words[i - 1][2].lower() in context_words and adjacent(i, after_context=True)
            initial = len(w) == 1
            j = i
            while j < n and j - i < 3 and (j == i or adjacent(j)) and (
                    name_word(j) or (j == i and j + 1 < n and adjacent(j + 1) and name_word(j + 1)
                                     and words[j + 1][2].lower() in bare_sur
                                     and (lw not in stop or (initial and words[i][3]))  # "A. SHARMA"
                                     and lw not in context_words)):
                j += 1
            if j - i >= 2 or (j > i and not initial):
                second = words[i + 1][2].lower() if j - i >= 2 else ""
                follows = _next_word(titled, words[j - 1][1]) in _NAME_FOLLOWERS
                if ctx or (j - i >= 2 and (
                        (lw in first and lw not in ambiguous_first)
                        or (initial and (words[i][3] or second in bare_sur))
                        or (second in bare_sur and follows))):
                    spans.append((s, words[j - 1][1], "PERSON"))
                    i = j
                    continue
            if j - i == 1 and lw in first and lw not in ambiguous_first:
                # "ARJUN LINDQVIST MRN ...", "ARJUN WAS ...": a given name, perhaps with a word the gazetteer
                # does not know, before a verb or identifier cue
                k = i + 1
                if k < n and adjacent(k) and len(words[k][2]) > 1 and words[k][2].lower() not in stop \
                        and words[k][2].lower() not in context_words \
                        and words[k][2].lower() not in _NAME_FOLLOWERS:
                    k += 1
                end = words[k - 1][1]
                if _next_word(titled, end) in _NAME_FOLLOWERS \
                        and not self._place_context(titled, s, end, named=True):  # "JOHN RADCLIFFE HOSPITAL"
                    spans.append((s, end, "PERSON"))
                    i = k
                    continue
            if ctx and lw not in stop and len(w) > 1 and _next_word(titled, e) in _NAME_FOLLOWERS:
                spans.append((s, e, "PERSON"))
            i += 1
        self._find_surname_first(titled, spans)
        return spans

    @staticmethod
    def _place_context(text: str, start: int, end: int, named: bool) -> bool:
        """Whether a name-like run is part of a place ("Elizabeth Ward", "St Mary's", "Queen Victoria").

        ``named``: the run is known to start with a person's name (a role or a gazetteer given name), so
        a final "Ward"/"Hall" is a surname unless a preposition says it is a place ("on Jane Ward").
        """
        prev = _prev_word(text, start)
        if prev in _PLACE_BEFORE:
            return True
        if text[end:end + 2] in ("'s", "\u2019s") and _next_word(text, end + 2) in _PLACE_AFTER:
            return True  # "William's syndrome", "Bell's palsy"
        last = text[start:end].rsplit(None, 1)[-1]
        if last in _SURNAME_PLACES:
            return prev in _PLACE_PREPOSITIONS or (last == "Ward" and not named)
        nxt = _next_word(text, end)
        if nxt in _PLACE_AFTER:
            # "Doreen Thompson unit number 88...", "Joan Ali hospital no. R..." name a person, not a place
            m = _NEXT_WORD_RE.match(text, end, end + 40)
            return not (m and _is_id_cue(_next_word(text, m.end())))
        return False

    def _find_run_names(self, text: str, spans: list[Span]) -> None:
        """Names in runs of capitalised words: after a role ("HCA Tom Price", "Porter Delphine"), and,
        with the gazetteer, bare given names / surnames and capitalised pairs ("Ewa Okoro attended")."""
        first, surn = self._first, self._bare_surnames
        stop, role_stop = self._name_stop, self._role_stop
        gazetteer = self.config.gazetteer
        for m in _CAP_RE.finditer(text):
            toks = [(t.start(), t.end(), t.group()) for t in _TOKEN_IN_SEQ_RE.finditer(text, m.start(), m.end())]
            n = len(toks)
            k = 0  # leading role words inside the run ("Student Nurse Jane Smith")
            while k < n and toks[k][2].lower() in ROLE_WORDS:
                k += 1
            if k < n and (k > 0 or _prev_word(text, m.start()) in ROLE_WORDS):
                cut = _trim_name(text, toks[k][0], m.end(), role_stop)
                if cut and _INFLECTED_RE.fullmatch(toks[k][2]) and not self._is_name_word(toks[k][2]):
                    cut = None  # "Patient Collapsed", "Nurse Noticed bleeding"
                if cut and not self._place_context(text, cut[0], cut[1], named=True):
                    spans.append((cut[0], cut[1], "PERSON"))
                    continue
            if not gazetteer:
                continue
            i = k
            while i < n:
                s, e, w = toks[i]
                if w in stop or (len(w.rstrip(".")) == 1 and (i + 1 >= n or not _surname_like(toks[i + 1][2], surn))) \
                        or text[e:e + 1] == "-":  # "Miller-fisher variant"
                    i += 1
                    continue
                nxt = toks[i + 1][2] if i + 1 < n else None
                nxt_ok = nxt is not None and len(nxt) > 1 and (nxt not in stop or nxt in _SURNAME_PLACES)
                at_start = i == 0 and _sentence_start(text, s)
                named = False
                j = None  # index of the last token of the name
                if w in first and w not in AMBIGUOUS_FIRST_NAMES:
                    j, named = (i + 1 if nxt_ok else i), True
                elif nxt_ok and _surname_like(nxt, surn):
                    j = i + 1  # "J Smith", "Tobi Patel", "May Jones", "M. Price-Jones"
                elif w in surn and text[e:e + 2] not in ("'s", "\u2019s"):
                    if not at_start:
                        j = i
                elif n == 2 and nxt_ok and w not in AMBIGUOUS_FIRST_NAMES and (
                        _next_word(text, toks[1][1]) in _NAME_FOLLOWERS
                        or (not at_start and _prev_word(text, s) in _PERSON_PREV)):
                    j = 1  # exactly two capitalised words: "informed Tobias Fairweather", "Ewa Okoro attended"
                if j is None:
                    i += 1
                    continue
                end = toks[j][1]
                if not self._place_context(text, s, end, named):
                    spans.append((s, end, "PERSON"))
                i = j + 1

    # ---- redaction -----------------------------------------------------------------------------
    def redact(self, text: str) -> tuple[str, list[Span]]:
        """Redact ``text``.

        Returns
        -------
        clean : str
            ``text`` with each identifier replaced by its placeholder (``[PERSON]``, ``[DATE]``, ...).
        spans : list of (start, end, type)
            The replaced spans, as character offsets into the original ``text``.
        """
        if not isinstance(text, str) or not text:
            return ("" if not isinstance(text, str) else text), []
        spans = self.find(text)
        if not spans:
            return text, spans
        out: list[str] = []
        pos = 0
        for s, e, t in spans:
            out.append(text[pos:s])
            out.append(self._placeholders[t])
            pos = e
        out.append(text[pos:])
        return "".join(out), spans

    def redact_many(self, texts: Iterable[str | None]) -> tuple[list[str], list[list[Span]]]:
        """Redact each text; missing values become ``""``. Returns (clean texts, spans per text)."""
        cleaned: list[str] = []
        all_spans: list[list[Span]] = []
        for text in texts:
            clean, spans = self.redact(text if isinstance(text, str) else "")
            cleaned.append(clean)
            all_spans.append(spans)
        return cleaned, all_spans

    def redact_series(self, texts: pd.Series) -> tuple[pd.Series, list[list[Span]]]:
        """Vectorised helper: redact a Series of texts (NaN -> ``""``), index preserved.

        Returns
        -------
        clean : Series of str, same index as ``texts``
        spans : list (one per row) of lists of (start, end, type)
        """
        cleaned, spans = self.redact_many(texts.tolist())
        return pd.Series(cleaned, index=texts.index, dtype="str"), spans


def _resolve(cands: list[Span]) -> list[Span]:
    """Keep a non-overlapping subset: higher-priority types first, then longer spans."""
    if not cands:
        return []
    cands.sort(key=lambda c: (_PRIORITY[c[2]], -(c[1] - c[0]), c[0]))
    taken: list[Span] = []
    for s, e, t in cands:
        if e <= s:
            continue
        if all(e <= ts or s >= te for ts, te, _ in taken):
            taken.append((s, e, t))
    taken.sort()
    return taken


def value_pattern(value: str) -> re.Pattern[str]:
    """``value`` as a case-insensitive pattern with no letter or digit either side, any white space run
    matching any other ("6/6" does not match inside "136/69")."""
    parts = [re.escape(p) for p in value.split()]
    return re.compile(r"(?<![0-9A-Za-z])" + r"\s+".join(parts) + r"(?![0-9A-Za-z])", re.IGNORECASE)


def contains_value(text: str, value: str) -> bool:
    """Whether ``value`` occurs in ``text`` as a whole (see :func:`value_pattern`)."""
    if not value.strip() or value.split()[0].lower() not in text.lower():
        return False
    return value_pattern(value).search(text) is not None


def count_types(spans: Iterable[Sequence[Span]]) -> dict[str, int]:
    """Redactions per identifier type over many texts' spans (every type present, zeros included)."""
    c: Counter[str] = Counter()
    for row in spans:
        c.update(t for _, _, t in row)
    return {t: int(c.get(t, 0)) for t in TYPES}


# --------------------------------------------------------------------------------------------------
# Scoring against ground truth
# --------------------------------------------------------------------------------------------------
DEFAULT_TARGETS: dict[str, float] = {"structured_recall": 0.99, "name_recall": 0.95, "precision": 0.9}


def score_redactions(pred: pd.DataFrame, truth: pd.DataFrame,
                     targets: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Recall and precision of predicted identifier spans against ground-truth spans.

    A truth span is found (TP) when a predicted span of the same type overlaps it; a predicted span
    is correct when it overlaps a truth span of the same type. Type-agnostic overlap is also reported.

    Parameters
    ----------
    pred, truth : DataFrame
        Columns ``doc`` (report id), ``field`` (source column), ``start``, ``end`` (character offsets
        into that field's raw text) and ``type``. Only documents present in ``pred_docs`` of the
        prediction frame's ``attrs`` (when given) are scored; otherwise all truth rows are.
    targets : mapping, optional
        ``structured_recall``, ``name_recall``, ``precision`` thresholds (defaults: 0.99, 0.95, 0.9).

    Returns
    -------
    dict
        ``per_type`` {type: {recall, precision, tp, fn, fp, n_truth, n_pred}}, ``overall`` (same keys,
        type-strict), ``any_type`` (type-agnostic recall/precision), ``targets`` with pass/fail.
    """
    targets = {**DEFAULT_TARGETS, **(targets or {})}
    cols = ["doc", "field", "start", "end", "type"]
    for name, df in (("pred", pred), ("truth", truth)):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValueError(f"score_redactions: {name} lacks columns {missing}")
    pred = pred[cols].astype({"doc": str, "field": str, "start": int, "end": int, "type": str})
    truth = truth[cols].astype({"doc": str, "field": str, "start": int, "end": int, "type": str})
    scored_docs = pred.attrs.get("docs")
    if scored_docs is not None:
        truth = truth[truth["doc"].isin(set(map(str, scored_docs)))]

    def group(df: pd.DataFrame) -> dict[tuple[str, str], list[tuple[int, int, str]]]:
        out: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
        for d, f, s, e, t in df.itertuples(index=False, name=None):
            out.setdefault((d, f), []).append((s, e, t))
        return out

    P, T = group(pred), group(truth)

    def overlaps(a: tuple[int, int, str], bs: list[tuple[int, int, str]], same_type: bool) -> bool:
        return any(a[0] < b[1] and b[0] < a[1] and (not same_type or a[2] == b[2]) for b in bs)

    types = sorted(set(truth["type"]) | set(pred["type"]), key=lambda t: (_PRIORITY.get(t, 99), t))
    tp_t: Counter[str] = Counter()
    n_t: Counter[str] = Counter()
    tp_p: Counter[str] = Counter()
    n_p: Counter[str] = Counter()
    any_t = any_p = 0
    for key, spans in T.items():
        ps = P.get(key, [])
        for sp in spans:
            n_t[sp[2]] += 1
            tp_t[sp[2]] += overlaps(sp, ps, True)
            any_t += overlaps(sp, ps, False)
    for key, spans in P.items():
        ts = T.get(key, [])
        for sp in spans:
            n_p[sp[2]] += 1
            tp_p[sp[2]] += overlaps(sp, ts, True)
            any_p += overlaps(sp, ts, False)

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    per_type = {}
    for t in types:
        per_type[t] = {"recall": ratio(tp_t[t], n_t[t]), "precision": ratio(tp_p[t], n_p[t]),
                       "tp": int(tp_t[t]), "fn": int(n_t[t] - tp_t[t]), "fp": int(n_p[t] - tp_p[t]),
                       "n_truth": int(n_t[t]), "n_pred": int(n_p[t])}
    nt, np_ = sum(n_t.values()), sum(n_p.values())
    tpt, tpp = sum(tp_t.values()), sum(tp_p.values())
    overall = {"recall": ratio(tpt, nt), "precision": ratio(tpp, np_), "tp": tpt, "fn": nt - tpt,
               "fp": np_ - tpp, "n_truth": nt, "n_pred": np_}
    any_type = {"recall": ratio(any_t, nt), "precision": ratio(any_p, np_)}

    s_types = [t for t in STRUCTURED if n_t[t]]
    s_recall = ratio(sum(tp_t[t] for t in s_types), sum(n_t[t] for t in s_types))
    min_s = min((per_type[t]["recall"] for t in s_types), default=None)
    name_recall = per_type.get("PERSON", {}).get("recall")
    checks = {
        "structured_recall": {"target": targets["structured_recall"], "value": s_recall,
                              "min_per_type": min_s,
                              "pass": min_s is None or min_s >= targets["structured_recall"]},
        "name_recall": {"target": targets["name_recall"], "value": name_recall,
                        "pass": name_recall is None or name_recall >= targets["name_recall"]},
        "precision": {"target": targets["precision"], "value": overall["precision"],
                      "pass": overall["precision"] is None or overall["precision"] >= targets["precision"]},
    }
    checks_all = all(c["pass"] for c in checks.values())
    return {"per_type": per_type, "overall": overall, "any_type": any_type,
            "targets": {**checks, "all_pass": checks_all}}


def spans_frame(rows: Iterable[tuple[str, str, int, int, str]]) -> pd.DataFrame:
    """A DataFrame with columns doc, field, start, end, type from (doc, field, start, end, type) tuples."""
    return pd.DataFrame(list(rows), columns=["doc", "field", "start", "end", "type"])
