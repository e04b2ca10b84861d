"""The must-show rollout against a real homeserver (Synapse, tests/matrix/homeserver.py): a
decision bans a user from three rooms, suspends their local account and publishes a policy
rule; Steward verifies all three by reading them back; the ban ends and the reversal unbans,
unsuspends and removes the rule."""

from __future__ import annotations

import datetime
import secrets
from typing import Any
from urllib.parse import quote

import httpx

from steward.decisions import returns
from steward.enforcement import execution
from steward.enforcement.models import ActionStatus, Direction, Kind, Rollout
from tests.decisions.helpers import decide
from tests.matrix.conftest import synapse  # noqa: F401  (the session's homeserver)
from tests.matrix.homeserver import Homeserver

from .conftest import configure_matrix, matrix_case


def _room(client: httpx.Client, *, invite: tuple[str, ...] = ()) -> str:
    answer = client.post("/_matrix/client/v3/createRoom", json={"preset": "private_chat", "invite": list(invite)})
    return str(answer.raise_for_status().json()["room_id"])


def _membership(client: httpx.Client, room: str, user_id: str) -> str:
    answer = client.get(f"/_matrix/client/v3/rooms/{quote(room)}/state/m.room.member/{quote(user_id)}")
    return str(answer.raise_for_status().json()["membership"])


def _suspended(client: httpx.Client, user_id: str) -> bool:
    return bool(client.get(f"/_synapse/admin/v2/users/{quote(user_id)}").raise_for_status().json()["suspended"])


def _rule(client: httpx.Client, room: str, user_id: str) -> Any:
    answer = client.get(f"/_matrix/client/v3/rooms/{quote(room)}/state/m.policy.rule.user/{quote('rule:' + user_id)}")
    return answer.json() if answer.status_code == 200 else None


def _work_until_finished() -> None:
    for _ in range(5):
        execution.work()


def test_a_ban_is_rolled_out_verified_and_reversed_on_a_real_homeserver(
        synapse: Homeserver, administrator: Any, decision_maker: Any, file_report: Any) -> None:  # noqa: F811
    steward = synapse.register(f"steward{secrets.token_hex(4)}", admin=True)
    member = synapse.register(f"mallory{secrets.token_hex(4)}")
    with synapse.client(steward) as operator, synapse.client(member) as them:
        rooms = tuple(_room(operator, invite=(member.user_id,)) for _ in range(3))
        for room in rooms:
            them.post(f"/_matrix/client/v3/rooms/{quote(room)}/join", json={}).raise_for_status()
        policy_room = _room(operator)
        configure_matrix(administrator, homeserver=synapse.url, rooms=rooms, policy_room=policy_room,
                         token=steward.access_token)
        case = matrix_case(file_report, member.user_id)

        decision = decide(case, decision_maker, "temporary_ban", days=30)
        rollout = Rollout.objects.get(case=case, direction=Direction.APPLY)
        _work_until_finished()

        actions = list(rollout.actions.on_systems().order_by("position"))
        assert [action.kind for action in actions] == [Kind.BAN_FROM_ROOM] * 3 + [Kind.SUSPEND_ACCOUNT,
                                                                                  Kind.PUBLISH_POLICY_RULE]
        assert {action.status for action in actions} == {ActionStatus.VERIFIED}, [a.last_error for a in actions]
        assert [_membership(operator, room, member.user_id) for room in rooms] == ["ban"] * 3
        assert _suspended(operator, member.user_id) is True
        rule = _rule(operator, policy_room, member.user_id)
        assert rule["entity"] == member.user_id and rule["recommendation"] == "m.ban"
        assert rule["support.feline.policy.expiry.rev.2"] > 0

        # The ban's last day passes: the daily job ends it, and the reversal is planned with it.
        assert decision.ends_on is not None
        returns.run_daily(today=decision.ends_on + datetime.timedelta(days=1))
        reversal = Rollout.objects.get(case=case, direction=Direction.REVERT)
        assert reversal.reverses_id == rollout.pk
        _work_until_finished()

        undone = list(reversal.actions.on_systems().order_by("position"))
        assert len(undone) == 5
        assert {action.status for action in undone} == {ActionStatus.VERIFIED}, [a.last_error for a in undone]
        assert [_membership(operator, room, member.user_id) for room in rooms] == ["leave"] * 3
        assert _suspended(operator, member.user_id) is False
        assert _rule(operator, policy_room, member.user_id) in (None, {})
        assert set(rollout.actions.on_systems().values_list("status", flat=True)) == {ActionStatus.REVERTED}
        # Unbanned, they can be invited back (the rooms are invite-only) and join.
        operator.post(f"/_matrix/client/v3/rooms/{quote(rooms[0])}/invite",
                      json={"user_id": member.user_id}).raise_for_status()
        them.post(f"/_matrix/client/v3/rooms/{quote(rooms[0])}/join", json={}).raise_for_status()
