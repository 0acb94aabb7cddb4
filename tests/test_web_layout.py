"""The explorer's first layout already holds the tab the page's address opens (no browser needed).

The page asks for its layout with its own address as the Referer; the server builds that tab into
the layout, so the tab's callbacks start at once instead of after a round trip through the tab
switcher. Without a Referer nothing is built and the switcher builds the tab as before.
"""

from __future__ import annotations

import pytest

pytest.importorskip("dash")


@pytest.fixture(scope="module")
def client():
    from moatlab.app import create_app

    return create_app().server.test_client()


def components(node, out: dict) -> dict:
    """Every component of a layout's JSON with an id, by id: its props."""
    if isinstance(node, list):
        for n in node:
            components(n, out)
    elif isinstance(node, dict) and "props" in node:
        props = node["props"]
        if isinstance(props.get("id"), str):
            out[props["id"]] = props
        components(props.get("children"), out)
    return out


def first_layout(client, referer: str | None) -> dict:
    r = client.get("/_dash-layout", headers={"Referer": referer} if referer else {})
    assert r.status_code == 200
    return components(r.get_json(), {})


def built(ids: dict) -> list[str]:
    return [k[6:] for k, p in ids.items() if k.startswith("panel-") and p.get("children")]


def test_no_address_builds_nothing(client):
    ids = first_layout(client, None)
    assert built(ids) == []
    assert all(p["hidden"] for k, p in ids.items() if k.startswith("panel-"))
    assert ids["tabs-state"].get("data") is None


@pytest.mark.parametrize(
    ("query", "tab", "alpha0"),
    [
        ("", "game", "0.05"),
        ("?tab=game&alpha0=0.3", "game", "0.3"),
        ("?tab=nonsense&alpha0=0.3", "game", "0.05"),  # an unknown tab: the game, its settings ignored
        ("?tab=race&open=3", "race", None),
    ],
)
def test_address_tab_is_built_into_first_layout(client, query, tab, alpha0):
    ids = first_layout(client, "http://127.0.0.1:8050/" + query)
    assert built(ids) == [tab]
    assert [k for k, p in ids.items() if k.startswith("panel-") and not p["hidden"]] == [f"panel-{tab}"]
    assert ids[f"tab-{tab}"]["aria-selected"] == "true" and ids[f"tab-{tab}"]["className"] == "tab selected"
    assert ids["tabs-state"]["data"] == {"current": tab, "opened": [tab], "fresh": True}
    if alpha0 is not None:
        assert ids["game-alpha0"]["value"] == alpha0
    else:
        assert ids["race-open"]["value"] == "3" and "game-alpha0" not in ids
