"""SSDA903 legal status codes (the episode's LS) and what the child is here: their legal status
and their type. The one table of this mapping; the README shows it."""

from cases.models import ChildStatus, LegalStatus

CIC = ChildStatus.CHILD_IN_CARE

# code: (what the DfE code means, legal status here, child type here)
LS_CODES: dict[str, tuple[str, str, str]] = {
    "C1": ("Interim care order", LegalStatus.INTERIM_CARE_ORDER, CIC),
    "C2": ("Full care order", LegalStatus.CARE_ORDER, CIC),
    "D1": ("Freeing order granted", LegalStatus.PLACEMENT_ORDER, CIC),
    "E1": ("Placement order granted", LegalStatus.PLACEMENT_ORDER, CIC),
    "V2": ("Single period of accommodation under section 20", LegalStatus.SECTION_20, CIC),
    "V3": ("Short-term breaks, individual episodes recorded", LegalStatus.SECTION_20, CIC),
    "V4": ("Short-term breaks, agreements recorded", LegalStatus.SECTION_20, CIC),
    "L1": (
        "Police protection, in local authority accommodation",
        LegalStatus.POLICE_PROTECTION,
        CIC,
    ),
    "L2": ("Emergency protection order", LegalStatus.EMERGENCY_PROTECTION, CIC),
    # The service has no "child assessment order": recorded as no order, still in care.
    "L3": ("Child assessment order, in local authority accommodation", LegalStatus.NONE, CIC),
    "J1": ("Remanded to local authority or youth detention accommodation", LegalStatus.REMAND, CIC),
    "J2": ("Placed in local authority accommodation under PACE 1984", LegalStatus.REMAND, CIC),
    "J3": ("Youth rehabilitation order with residence or fostering", LegalStatus.REMAND, CIC),
}

# The episode's RNE (reason for the new episode) codes that mean a new carer.
NEW_CARER = {"P", "T"}
RNE_CODES = {"S", "L", "P", "T", "B", "U"}
# PLACE codes of a child placed for adoption.
PLACED_FOR_ADOPTION = {"A3", "A4", "A5", "A6"}
# REC: the episode ended and a new one started (the child did not leave care).
STILL_IN_CARE = "X1"
