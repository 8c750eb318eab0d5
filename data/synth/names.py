"""Clearly fictional names, UPNs, ULNs and postcodes."""

from __future__ import annotations

import numpy as np

FORENAMES_M = ["Alfie", "Arlo", "Bram", "Casper", "Dax", "Eli", "Finn", "Gideon", "Hugo", "Ivo", "Jude", "Kit",
               "Lorcan", "Milo", "Nico", "Otto", "Piers", "Quill", "Rafe", "Sol", "Teo", "Umar", "Vaughn",
               "Wren", "Xander", "Yusuf", "Zeb", "Ansel", "Bodhi", "Cael", "Dorian", "Ezra", "Fenn", "Idris"]
FORENAMES_F = ["Ada", "Bea", "Cleo", "Dot", "Elsa", "Fern", "Greta", "Hollis", "Ines", "Juno", "Kiki", "Lark",
               "Mabel", "Nell", "Orla", "Pip", "Quinn", "Romy", "Suki", "Tilda", "Uma", "Vida", "Willa", "Xara",
               "Yara", "Zia", "Aoife", "Bryony", "Clemmie", "Delphi", "Elowen", "Freya", "Hester", "Isla"]
# Surnames are built from syllables no real family is likely to carry together with the "Synth" stem.
SUR_A = ["Bram", "Cor", "Dun", "Fen", "Gal", "Hal", "Kes", "Lor", "Mor", "Nel", "Pim", "Quen", "Ros", "Sal",
         "Tam", "Vel", "Wex", "Yar", "Zel", "Ash", "Bel", "Cal", "Dral", "Elm", "Fal", "Gor", "Hart", "Isk"]
SUR_B = ["synthby", "synthdale", "synthfold", "synthgarth", "synthholt", "synthley", "synthmere", "synthock",
         "synthstead", "synththorn", "synthwick", "synthworth", "synthling", "synthmore", "synthcombe"]
CW_FIRST = ["Sam", "Alex", "Jo", "Chris", "Pat", "Robin", "Leigh", "Morgan", "Jamie", "Charlie", "Frankie",
            "Kim", "Toni", "Ash", "Rowan", "Sasha", "Jesse", "Drew", "Remy", "Noor"]
UPN_CHECK = "ABCDEFGHJKLMNPQRTUVWXYZ"


def person_names(sex: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n = len(sex)
    fm = np.array(FORENAMES_M, dtype=object)[rng.integers(0, len(FORENAMES_M), n)]
    ff = np.array(FORENAMES_F, dtype=object)[rng.integers(0, len(FORENAMES_F), n)]
    fore = np.where(sex == "M", fm, ff)
    a = np.array(SUR_A, dtype=object)[rng.integers(0, len(SUR_A), n)]
    b = np.array(SUR_B, dtype=object)[rng.integers(0, len(SUR_B), n)]
    return a + b, fore


def caseworker_names(n: int, rng: np.random.Generator) -> list[str]:
    first = np.array(CW_FIRST, dtype=object)[rng.integers(0, len(CW_FIRST), n)]
    a = np.array(SUR_A, dtype=object)[rng.integers(0, len(SUR_A), n)]
    b = np.array(SUR_B, dtype=object)[rng.integers(0, len(SUR_B), n)]
    return list(first + " " + a + b)


def upns(la_old: str, serial: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    """Valid-format UPNs: check letter + LA code + a synthetic 9xxx establishment + year + serial.

    The check letter follows the published UPN rule (weights 2–13 on the 12 digits, modulo 23).
    """
    n = len(serial)
    est = 9000 + (serial // 1000) % 1000
    yy = (birth_year + 5) % 100
    ser = serial % 1000
    body = np.array([f"{la_old}{e:04d}{y:02d}{s:03d}" for e, y, s in zip(est, yy, ser, strict=True)], dtype=object)
    digits = np.array([[int(c) for c in b] for b in body], dtype=np.int64) if n else np.zeros((0, 12), np.int64)
    weights = np.arange(2, 14)
    check = (digits * weights).sum(axis=1) % 23
    letters = np.array(list(UPN_CHECK), dtype=object)[check]
    return letters + body


def ulns(serial: np.ndarray, la_index: int) -> np.ndarray:
    """10-digit ULNs with a valid check digit (weights 10..2, check = 10 − sum mod 11)."""
    out = []
    for s in serial:
        for bump in range(0, 50):
            base = f"9{la_index:03d}{(int(s) * 7 + bump) % 100000:05d}"
            digits = [int(c) for c in base]
            r = sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
            if r != 0:
                out.append(base + str(10 - r if 10 - r < 10 else 0))
                break
    return np.array(out, dtype=object)


def postcodes(n: int, rng: np.random.Generator) -> np.ndarray:
    """Pseudo-postcodes in the ZZ99 range (used for 'no fixed abode'; never a real address)."""
    letters = np.array(list("ABDEFGHJLNPQRSTUWXY"), dtype=object)
    d = rng.integers(0, 10, n).astype(str).astype(object)
    return "ZZ99 " + d + letters[rng.integers(0, len(letters), n)] + letters[rng.integers(0, len(letters), n)]


SCHOOL_STEMS = {"Nursery": "Nursery School", "Primary": "Primary School", "Secondary": "High School",
                "All-through": "All-through School", "Special": "Special School",
                "Alternative provision": "Learning Centre", "Post-16": "College"}


def school_name(ward: str, phase: str, school_type: str, rng: np.random.Generator) -> str:
    stem = SCHOOL_STEMS.get(phase, "School")
    if school_type == "Academy":
        stem = {"Primary": "Primary Academy", "Secondary": "Academy"}.get(phase, "Academy")
    elif school_type == "Voluntary aided school":
        stem = "Church of England Primary School" if phase == "Primary" else stem
    elif school_type == "Independent school":
        stem = "Independent School"
    elif school_type == "Independent special school":
        stem = "Independent Specialist School"
    elif school_type == "Independent training provider":
        stem = "Training Partnership"
    elif school_type == "Specialist post-16 institution":
        stem = "Specialist Further Education Centre"
    elif school_type == "Sixth form college":
        stem = "Sixth Form College"
    elif school_type == "Pupil referral unit":
        stem = "Pupil Referral Unit"
    prefix = ["", "", "", "North ", "South ", "Park ", "Meadow ", "Hill "][int(rng.integers(0, 8))]
    return f"{ward} {prefix}{stem} (synthetic)"
