"""Features that land later add their section and their erasure from their own package."""

import json

import pytest

from ambassador.privacy import register_data_section, register_erasure, registry
from tests.conftest import PASSWORD


@pytest.fixture
def later_feature(monkeypatch):
    """A feature built after privacy (referrals, say) registering itself."""
    monkeypatch.setattr(registry, "_SECTIONS", dict(registry._SECTIONS))
    monkeypatch.setattr(registry, "_ERASURES", list(registry._ERASURES))
    erased = []
    register_data_section("referrals", lambda subject: [{"code": f"REF-{subject.user_id}"}])
    register_erasure(lambda subject: erased.append(subject.customer_id) or {"links": 1},
                     order=50, name="referrals.erase_links")
    return erased


def test_a_registered_section_is_in_the_download(client, login, make_promoter, later_feature):
    user = login(make_promoter())
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    assert data["referrals"] == [{"code": f"REF-{user.id}"}]
    assert list(data)[:3] == ["generated_at", "format", "account"]


def test_a_registered_erasure_runs_in_the_same_transaction(client, login, make_promoter,
                                                           later_feature):
    user = login(make_promoter())
    customer_id = user.customer_id
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 303
    assert later_feature == [customer_id]


def test_registering_the_same_step_twice_keeps_one(later_feature):
    before = len(registry._ERASURES)
    register_erasure(lambda subject: {}, name="referrals.erase_links")
    assert len(registry._ERASURES) == before


def test_privacy_imports_no_feature_that_registers_itself():
    from tests.test_layers import import_graph

    assert not {"referrals", "checkins"} & import_graph()["privacy"]
