"""The homeserver's side of the calls Steward's Matrix enforcement makes, against real Synapse:
a room ban read back from the room's state, a local account suspended and unsuspended through
the admin API, and a policy rule published to a policy room and removed again (an empty state
event), as Draupnir and Mjolnir read them."""

from __future__ import annotations

import secrets
from urllib.parse import quote

import httpx

from .homeserver import Homeserver


def _name(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(4)}"


def _room(client: httpx.Client, *, invite: tuple[str, ...] = ()) -> str:
    answer = client.post("/_matrix/client/v3/createRoom", json={"preset": "private_chat", "invite": list(invite)})
    return str(answer.raise_for_status().json()["room_id"])


def _membership(client: httpx.Client, room: str, user_id: str) -> str:
    answer = client.get(f"/_matrix/client/v3/rooms/{quote(room)}/state/m.room.member/{quote(user_id)}")
    return str(answer.raise_for_status().json()["membership"])


def test_a_room_ban_is_read_back_from_the_room_state_and_lifted(synapse: Homeserver) -> None:
    moderator, member = synapse.register(_name("mod"), admin=True), synapse.register(_name("member"))
    with synapse.client(moderator) as mod, synapse.client(member) as them:
        room = _room(mod, invite=(member.user_id,))
        them.post(f"/_matrix/client/v3/rooms/{quote(room)}/join", json={}).raise_for_status()
        assert _membership(mod, room, member.user_id) == "join"

        mod.post(f"/_matrix/client/v3/rooms/{quote(room)}/ban",
                 json={"user_id": member.user_id, "reason": "Code of conduct decision"}).raise_for_status()
        assert _membership(mod, room, member.user_id) == "ban"
        assert them.post(f"/_matrix/client/v3/rooms/{quote(room)}/join", json={}).status_code == 403

        mod.post(f"/_matrix/client/v3/rooms/{quote(room)}/unban", json={"user_id": member.user_id}).raise_for_status()
        assert _membership(mod, room, member.user_id) == "leave"


def test_a_suspended_account_cannot_send_until_it_is_unsuspended(synapse: Homeserver) -> None:
    admin, member = synapse.register(_name("admin"), admin=True), synapse.register(_name("member"))
    with synapse.client(admin) as operator, synapse.client(member) as them:
        room = _room(them)
        suspend = f"/_synapse/admin/v1/suspend/{quote(member.user_id)}"
        operator.put(suspend, json={"suspend": True}).raise_for_status()
        assert operator.get(f"/_synapse/admin/v2/users/{quote(member.user_id)}").json()["suspended"] is True
        sent = them.put(f"/_matrix/client/v3/rooms/{quote(room)}/send/m.room.message/t1",
                        json={"msgtype": "m.text", "body": "hello"})
        assert sent.status_code == 403 and sent.json()["errcode"] == "M_USER_SUSPENDED"

        operator.put(suspend, json={"suspend": False}).raise_for_status()
        assert operator.get(f"/_synapse/admin/v2/users/{quote(member.user_id)}").json()["suspended"] is False
        them.put(f"/_matrix/client/v3/rooms/{quote(room)}/send/m.room.message/t2",
                 json={"msgtype": "m.text", "body": "hello again"}).raise_for_status()

        # A user the server does not know is a clear 404, not a success.
        unknown = operator.put(f"/_synapse/admin/v1/suspend/{quote('@nobody:' + member.user_id.split(':')[1])}",
                               json={"suspend": True})
        assert unknown.status_code == 404 and unknown.json()["errcode"] == "M_NOT_FOUND"


def test_a_policy_rule_is_published_and_removed_as_a_state_event(synapse: Homeserver) -> None:
    admin, banned = synapse.register(_name("policy"), admin=True), synapse.register(_name("banned"))
    with synapse.client(admin) as operator:
        policy_room = _room(operator)
        rule = f"/_matrix/client/v3/rooms/{quote(policy_room)}/state/m.policy.rule.user/{quote('rule:' + banned.user_id)}"
        content = {"entity": banned.user_id, "recommendation": "m.ban", "reason": "code of conduct"}
        operator.put(rule, json=content).raise_for_status()
        assert operator.get(rule).json() == content

        operator.put(rule, json={}).raise_for_status()  # removing a rule: its state is emptied
        assert operator.get(rule).json() == {}
