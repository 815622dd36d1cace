"""Faults are named values; compose() folds them into one plan and refuses contradictions."""

from __future__ import annotations

import inspect

import pytest

from smtpdoctor.lab import faults as faults_module
from smtpdoctor.lab.certs import CertKind
from smtpdoctor.lab.faults import (
    DEFAULT_EXTENSIONS,
    LAB_PASSWORD,
    LAB_USER,
    AuthPlan,
    Fault,
    FaultConflict,
    Rule,
    Then,
    compose,
)


def fault_factories() -> list[str]:
    return sorted(name for name, member in inspect.getmembers(Fault)
                  if isinstance(inspect.getattr_static(Fault, name), classmethod))


def test_no_faults_is_a_plain_healthy_esmtp_server():
    plan = compose([])
    assert plan.listen == "serve" and plan.on_connect is None and plan.greeting is None
    assert plan.extensions == DEFAULT_EXTENSIONS
    assert plan.starttls is None and plan.implicit_tls is None and plan.auth is None
    assert plan.rules == () and plan.rtt == 0.0 and plan.faults == ()


def test_faults_compose_into_one_plan_in_order():
    plan = compose([Fault.starttls(cert="expired"), Fault.auth(users={"u": "p"}), Fault.rtt(0.2),
                    Fault.relay_denied(), Fault.user_unknown(["x@lab.test"])])
    assert plan.starttls is not None and plan.starttls.cert is CertKind.EXPIRED and plan.offers_starttls
    assert plan.auth is not None and dict(plan.auth.users) == {"u": "p"}
    assert plan.rtt == 0.2
    assert [r.reply.split()[0] for r in plan.rules] == ["554", "550"]
    assert plan.faults == ("starttls", "auth", "rtt", "relay-denied", "user-unknown")


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (Fault.greeting_554(), Fault.greeting_421(), "greeting-554.* and greeting-421.* both set the greeting"),
        (Fault.blackhole(), Fault.reset(), "blackhole and reset both set the on_connect"),
        (Fault.refuse(), Fault.filtered(), "refuse and filtered both set the listen"),
        (Fault.starttls(), Fault.starttls(cert="expired"), "both set the starttls"),
        (Fault.auth_app_password_required(), Fault.auth_temporary_failure(), "both set the auth-outcome"),
        (Fault.rtt(0.1), Fault.rtt(0.2), "both set the rtt"),
        (Fault.implicit_tls(), Fault.starttls(), "implicit TLS and STARTTLS"),
        (Fault.no_starttls(), Fault.starttls(), "no-starttls contradicts"),
        (Fault.auth_not_advertised(), Fault.auth(), "auth-not-advertised contradicts"),
    ],
)
def test_contradictory_faults_are_refused_naming_both(first, second, message):
    with pytest.raises(FaultConflict, match=message):
        compose([first, second])


def test_one_fault_may_set_several_parts():
    plan = compose([Fault.http_banner(on_connect=False)])
    assert plan.on_connect is not None and plan.on_connect.then is Then.CLOSE and plan.wait_for_line


def test_auth_outcome_alone_switches_auth_on_with_the_lab_user():
    plan = compose([Fault.auth_app_password_required()])
    assert plan.auth is not None
    assert plan.auth.outcome.startswith("534-5.7.9 Application-specific password required")
    assert dict(plan.auth.users) == {LAB_USER: LAB_PASSWORD}
    assert compose([Fault.auth_encryption_required()]).auth.before_tls_reply.startswith("538 5.7.11")
    assert compose([Fault.auth_endless_challenge()]).auth.mode == "endless"


def test_starttls_outcome_keeps_the_certificate():
    plan = compose([Fault.starttls(cert="self-signed"), Fault.starttls_abort("reset")])
    assert plan.starttls.cert is CertKind.SELF_SIGNED and plan.starttls.abort is Then.RESET


def test_extensions_edit_removes_by_keyword_and_adds():
    plan = compose([Fault.extensions(remove=("size", "CHUNKING"), add=("DSN", "REQUIRETLS"))])
    assert plan.extensions == ("PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8", "DSN", "REQUIRETLS")


def test_passwords_never_appear_in_a_fault_or_plan_repr():
    fault = Fault.auth(users={"alice": "s3cret-value"})
    assert "s3cret-value" not in repr(fault) and "s3cret-value" not in str(fault)
    assert "s3cret-value" not in repr(compose([fault]))
    assert "alice" in str(fault)


def test_fault_text_names_the_fault_and_its_parameters():
    assert str(Fault.starttls(cert="expired")) == "starttls(cert='expired')"
    assert str(Fault.blackhole()) == "blackhole"
    assert Fault.rtt(0.1) == Fault.rtt(0.1) and Fault.rtt(0.1) != Fault.rtt(0.2)


def test_bad_parameters_are_refused_at_once():
    with pytest.raises(ValueError):
        Fault.long_line("data")
    with pytest.raises(ValueError):
        Fault.starttls(cert="rotten")
    with pytest.raises(ValueError):
        Fault.starttls_abort("explode")
    with pytest.raises(TypeError):
        compose(["blackhole"])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("rule", "address", "authenticated", "matches"),
    [
        (Rule(command="RCPT", reply="x", unless_authenticated=True), "a@b.c", True, False),
        (Rule(command="RCPT", reply="x", unless_authenticated=True), "a@b.c", False, True),
        (Rule(command="RCPT", reply="x", only=frozenset({"a@b.c"})), "A@B.C", False, True),
        (Rule(command="RCPT", reply="x", only=frozenset({"a@b.c"})), "z@b.c", False, False),
        (Rule(command="MAIL", reply="x", allowed=frozenset({"a@b.c"})), "a@b.c", True, False),
        (Rule(command="MAIL", reply="x", allowed=frozenset({"a@b.c"})), "z@b.c", True, True),
        (Rule(command="RCPT", reply="x", local_domains=frozenset({"lab.test"})), "p@LAB.test", False, False),
    ],
)
def test_rule_matching(rule, address, authenticated, matches):
    assert rule.matches(address, authenticated=authenticated) is matches


def test_every_factory_has_a_docstring_and_builds_without_arguments():
    for name in fault_factories():
        factory = getattr(Fault, name)
        assert factory.__doc__, name
        required = [p for p in inspect.signature(factory).parameters.values()
                    if p.default is inspect.Parameter.empty]
        if not required:
            assert isinstance(factory(), Fault)
            compose([factory()])


def test_auth_plan_default_users_are_hidden_from_repr():
    assert LAB_PASSWORD not in repr(AuthPlan())


def test_exported_names():
    assert set(faults_module.__all__) == {
        "Fault", "FaultConflict", "Plan", "Send", "Then", "StartTlsPlan", "AuthPlan", "Rule", "compose",
        "DEFAULT_EXTENSIONS", "LAB_USER", "LAB_PASSWORD", "LAB_DOMAIN", "MIB"}
