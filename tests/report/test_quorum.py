"""The quorum of a report's approval: seats, distinct approvers, rejections, overrides. Pure."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from actions.report.approval import ApprovalConfig, Seat, Vote, may_override, seats_for, tally

QUORUM = ("QA lead", "release manager")
CONFIG = ApprovalConfig(
    seats=[
        Seat(name="QA lead", users=["U0QA"], groups=["S0QA"]),
        Seat(name="release manager", role="release-manager"),
    ]
)


def approve(user: str, *seats: str, override: str = "") -> Vote:
    return Vote(user=user, decision="approve", seats=seats, override=override)


def reject(user: str, *seats: str, reason: str = "no") -> Vote:
    return Vote(user=user, decision="reject", seats=seats, reason=reason)


def test_people_fill_the_seats_they_are_named_for_or_ranked_for() -> None:
    assert seats_for(CONFIG, "U0QA", "viewer", []) == ["QA lead"]
    assert seats_for(CONFIG, "U0X", "engineer", ["S0QA"]) == ["QA lead"]
    assert seats_for(CONFIG, "U0RM", "release-manager", []) == ["release manager"]
    assert seats_for(CONFIG, "U0ADMIN", "admin", []) == ["release manager"]
    assert seats_for(CONFIG, "U0ENG", "engineer", []) == []


def test_one_approval_of_two_seats_is_pending_and_says_who_is_missing() -> None:
    state = tally(QUORUM, [approve("rm", "release manager")])
    assert state.status == "pending" and state.missing == ["QA lead"]
    assert state.text() == "waiting for QA lead (1 of 2 approvals)"


def test_every_seat_filled_is_approved() -> None:
    state = tally(QUORUM, [approve("rm", "release manager"), approve("qa", "QA lead")])
    assert state.status == "approved"
    assert state.filled == {"QA lead": "qa", "release manager": "rm"}


def test_people_are_counted_by_id_and_shown_by_their_latest_name() -> None:
    votes = [
        Vote("U1", "approve", ("release manager",), name="ann"),
        Vote("U2", "approve", ("QA lead",), name="U2"),
        Vote("U1", "approve", ("release manager",), name="ann.b"),  # a new handle, one person
    ]
    state = tally(QUORUM, votes)
    assert state.filled == {"QA lead": "U2", "release manager": "U1"}
    assert state.text() == "approved (QA lead: U2, release manager: ann.b)"
    rejected = tally(QUORUM, [Vote("U3", "reject", ("QA lead",), reason="slow", name="cy")])
    assert rejected.text() == "rejected (cy: slow)"


def test_one_person_fills_one_seat_even_when_eligible_for_both() -> None:
    state = tally(QUORUM, [approve("both", "QA lead", "release manager")])
    assert state.status == "pending" and len(state.filled) == 1


def test_seats_are_matched_so_that_a_flexible_approver_makes_room() -> None:
    # `both` came first and could take the release manager seat; `qa` can only be QA lead.
    votes = [approve("both", "QA lead", "release manager"), approve("qa", "QA lead")]
    assert tally(QUORUM, votes).filled == {"QA lead": "qa", "release manager": "both"}


def test_a_rejection_stands_until_its_author_approves() -> None:
    votes = [reject("qa", "QA lead", reason="checkout slow"), approve("rm", "release manager")]
    state = tally(QUORUM, votes)
    assert state.status == "rejected" and "checkout slow" in state.text()
    assert tally(QUORUM, [*votes, approve("qa", "QA lead")]).status == "approved"


def test_the_latest_decision_of_a_person_counts() -> None:
    votes = [approve("rm", "release manager"), reject("rm", "release manager")]
    assert tally(("release manager",), votes).status == "rejected"


def test_overrides_are_kept_in_the_tally() -> None:
    state = tally(("release manager",), [approve("rm", "release manager", override="flagged off")])
    assert state.status == "approved" and state.overrides[0].override == "flagged off"


def test_overriding_a_no_go_needs_the_override_role() -> None:
    assert may_override(CONFIG, "release-manager") and may_override(CONFIG, "admin")
    assert not may_override(CONFIG, "engineer")


def test_a_seat_names_who_fills_it_and_names_are_unique() -> None:
    with pytest.raises(ValidationError, match="needs a role, users or groups"):
        Seat(name="anyone")
    with pytest.raises(ValidationError, match="unique"):
        ApprovalConfig(seats=[Seat(name="x", role="admin"), Seat(name="x", users=["U1"])])
