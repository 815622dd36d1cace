"""The catalogue as data, and how one answer of a zone is read."""

from __future__ import annotations

import pytest

from smtpdoctor.core.dnsbl_zones import (
    Effect, Kind, UnknownZoneName, Weight, catalogue, decode, load_catalogue, select_zones,
)


def zone(name: str):
    z = catalogue().zone(name)
    assert z is not None, name
    return z


# -- the catalogue ---------------------------------------------------------------------------------------

def test_catalogue_has_the_lists_the_issue_names():
    names = {z.name for z in catalogue().zones}
    for required in ("zen.spamhaus.org", "dbl.spamhaus.org", "zrd.spamhaus.org", "b.barracudacentral.org",
                     "bl.spamcop.net", "psbl.surriel.com", "bl.mailspike.net", "rep.mailspike.net",
                     "dnsbl-1.uceprotect.net", "dnsbl-2.uceprotect.net", "dnsbl-3.uceprotect.net",
                     "multi.surbl.org", "multi.uribl.com", "list.dnswl.org"):
        assert required in names


def test_uceprotect_is_off_by_default_and_labelled():
    defaults = {z.name for z in catalogue().default_zones}
    for level in (1, 2, 3):
        z = zone(f"dnsbl-{level}.uceprotect.net")
        assert not z.enabled and z.name not in defaults
        assert "Off by default" in z.notes[0]


def test_every_zone_has_a_delisting_link_and_a_first_step():
    for z in catalogue().zones:
        assert z.delist and z.delist.startswith("https://"), z.name
        assert z.first_step, z.name


def test_spamhaus_notes_say_use_your_own_resolver_and_pbl_is_not_for_submission():
    notes = " ".join(zone("zen.spamhaus.org").notes)
    assert "own resolver" in notes
    assert "PBL" in notes and "587" in notes


def test_dnswl_is_an_allow_list():
    assert zone("list.dnswl.org").purpose is Effect.ALLOW


def test_kinds_follow_what_each_list_serves():
    assert zone("zen.spamhaus.org").kinds == {Kind.IPV4, Kind.IPV6}
    assert zone("dbl.spamhaus.org").kinds == {Kind.DOMAIN}
    assert zone("multi.surbl.org").kinds == {Kind.DOMAIN}
    assert zone("bl.spamcop.net").kinds == {Kind.IPV4}


@pytest.mark.parametrize("name", ["dnsbl.sorbs.net", "spam.dnsbl.sorbs.net", "db.wpbl.info", "bad.psky.me",
                                  "ix.dnsbl.manitu.net", "virbl.bit.nl", "combined.msrbl.net"])
def test_dead_zones_are_kept_out(name):
    assert catalogue().dead_reason(name) is not None
    assert catalogue().zone(name) is None


def test_no_dead_zone_is_in_the_catalogue():
    cat = catalogue()
    assert not [z.name for z in cat.zones if cat.dead_reason(z.name)]


# -- decoding answers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("address, meaning, weight", [
    ("127.0.0.2", "SBL", Weight.HIGH),
    ("127.0.0.3", "CSS", Weight.HIGH),
    ("127.0.0.4", "XBL", Weight.HIGH),
    ("127.0.0.9", "DROP", Weight.HIGH),
    ("127.0.0.10", "PBL", Weight.MEDIUM),
    ("127.0.0.11", "PBL", Weight.MEDIUM),
])
def test_zen_return_codes_have_meanings_and_weights(address, meaning, weight):
    d = decode(zone("zen.spamhaus.org"), address)
    assert d.effect is Effect.BLOCK and meaning in d.meaning and d.weight is weight


@pytest.mark.parametrize("address", ["127.255.255.252", "127.255.255.254", "127.255.255.255"])
def test_spamhaus_error_codes_are_errors_never_listings(address):
    for name in ("zen.spamhaus.org", "dbl.spamhaus.org"):
        d = decode(zone(name), address)
        assert d.effect is Effect.ERROR
        assert "refused" in d.meaning


def test_public_resolver_code_tells_to_use_own_resolver():
    assert "own resolver" in decode(zone("zen.spamhaus.org"), "127.255.255.254").meaning


def test_dbl_ip_queried_code_is_an_error():
    d = decode(zone("dbl.spamhaus.org"), "127.0.1.255")
    assert d.effect is Effect.ERROR and "IP address" in d.meaning


def test_uribl_127_0_0_1_is_refused_not_listed():
    assert decode(zone("multi.uribl.com"), "127.0.0.1").effect is Effect.ERROR


def test_any_127_255_255_x_is_an_error_even_for_a_zone_not_in_the_catalogue():
    (custom,), _ = select_zones(["bl.example.test"])
    assert decode(custom, "127.255.255.250").effect is Effect.ERROR
    assert decode(custom, "127.0.0.2").effect is Effect.BLOCK


def test_answers_outside_127_are_broken():
    for address in ("10.0.0.1", "192.0.2.80", "not-an-ip"):
        assert decode(zone("bl.spamcop.net"), address).effect is Effect.BROKEN


def test_surbl_bitmask_combines_meanings_and_takes_the_heaviest_weight():
    d = decode(zone("multi.surbl.org"), "127.0.0.136")  # 128 CR + 8 PH
    assert "PH: phishing" in d.meaning and "CR: cracked" in d.meaning
    assert d.weight is Weight.HIGH
    assert decode(zone("multi.surbl.org"), "127.0.0.128").weight is Weight.MEDIUM


def test_uribl_grey_is_low_black_is_high():
    assert decode(zone("multi.uribl.com"), "127.0.0.4").weight is Weight.LOW
    assert decode(zone("multi.uribl.com"), "127.0.0.2").weight is Weight.HIGH


def test_dnswl_decodes_category_and_trust():
    d = decode(zone("list.dnswl.org"), "127.0.3.2")
    assert d.effect is Effect.ALLOW
    assert d.meaning == "e-mail service provider; trust: medium"
    assert decode(zone("list.dnswl.org"), "127.0.0.255").effect is Effect.ERROR


def test_zrd_range_decodes_hours():
    z = zone("zrd.spamhaus.org")
    assert "first seen" in decode(z, "127.0.2.24").meaning
    assert "not documented" in decode(z, "127.0.2.99").meaning


def test_mailspike_good_reputation_is_not_a_listing():
    z = zone("rep.mailspike.net")
    assert decode(z, "127.0.0.10").effect is Effect.BLOCK
    assert decode(z, "127.0.0.15").effect is Effect.NEUTRAL
    assert decode(z, "127.0.0.19").effect is Effect.ALLOW


def test_unknown_code_of_a_known_zone_is_a_listing_of_undocumented_meaning():
    d = decode(zone("bl.spamcop.net"), "127.0.0.77")
    assert d.effect is Effect.BLOCK and "not documented" in d.meaning


# -- selecting zones -------------------------------------------------------------------------------------

def test_no_names_means_the_default_set():
    zones, dead = select_zones(None)
    assert zones == catalogue().default_zones and dead == ()


def test_names_replace_the_catalogue():
    zones, dead = select_zones(["bl.spamcop.net", "ZEN.Spamhaus.org."])
    assert [z.name for z in zones] == ["bl.spamcop.net", "zen.spamhaus.org"]
    assert zones[1].label == "Spamhaus ZEN"


def test_default_and_all_words():
    default_plus, _ = select_zones(["default", "dnsbl-1.uceprotect.net"])
    assert "dnsbl-1.uceprotect.net" in {z.name for z in default_plus}
    assert len(default_plus) == len(catalogue().default_zones) + 1
    everything, _ = select_zones(["all"])
    assert len(everything) == len(catalogue().zones)


def test_unknown_zone_gets_rfc5782_defaults():
    (z,), _ = select_zones(["rbl.lab.test"])
    assert not z.known and z.kinds == set(Kind)
    assert z.tests[Kind.IPV4] == ("127.0.0.2", "127.0.0.1")
    assert z.tests[Kind.DOMAIN] == ("test", "invalid")


def test_dead_zone_named_with_dnsbl_is_kept_out_and_reported():
    zones, dead = select_zones(["dnsbl.sorbs.net", "bl.spamcop.net"])
    assert [z.name for z in zones] == ["bl.spamcop.net"]
    assert dead[0][0] == "dnsbl.sorbs.net" and "2024" in dead[0][1].reason


@pytest.mark.parametrize("bad", ["", "nodot", "bad zone.org", "a..b", "x" * 70 + ".org"])
def test_bad_zone_names_are_refused(bad):
    with pytest.raises(UnknownZoneName):
        select_zones([bad])


def test_load_catalogue_from_text():
    cat = load_catalogue("""
[defaults]
timeout = 1.5
[[zone]]
name = "bl.lab.test"
label = "Lab"
kinds = ["ipv4"]
weight = "low"
codes."127.0.0.5" = { meaning = "five", weight = "high" }
[[dead]]
name = "*.gone.test"
reason = "gone"
""")
    z = cat.zone("bl.lab.test")
    assert z.timeout == 1.5 and z.weight is Weight.LOW
    assert decode(z, "127.0.0.5").weight is Weight.HIGH
    assert cat.dead_reason("a.gone.test").reason == "gone"
    assert cat.dead_reason("gone.test") is not None and cat.dead_reason("notgone.test") is None


def test_every_zone_has_its_delisting_rules():
    """Self-service, time-based expiry and paid express removal for every list: a fact or "unknown"."""
    for z in catalogue().zones:
        d = z.delisting
        assert d is not None, z.name
        for value in (d.self_service, d.expiry, d.paid_express):
            assert value == "unknown" or value.split(":")[0] in ("yes", "no", "not applicable"), (z.name, value)
    assert zone("bl.spamcop.net").delisting.expiry.startswith("yes: about 24 hours")
    assert zone("dnsbl-1.uceprotect.net").delisting.paid_express.startswith("yes")
    assert zone("zen.spamhaus.org").delisting.paid_express.startswith("no")
