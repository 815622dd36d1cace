"""lab/practice.py: the command printed for a scenario reads secrets from the environment, never argv."""

from __future__ import annotations

from smtpdoctor.lab.practice import PASSWORD_ENV, TOKEN_ENV, diagnose_argv
from smtpdoctor.lab.scenarios import EXPIRED_TOKEN, scenario


async def test_token_and_send_scenarios_print_a_command_that_runs_them():
    s = scenario("oauth-token-expired")
    async with s.lab_host() as host:
        argv = diagnose_argv(s.settings_for(host))
    assert argv[argv.index("--token-env") + 1] == TOKEN_ENV and EXPIRED_TOKEN not in " ".join(argv)
    assert "--password-env" not in argv
    g = scenario("gmail-bulk-rules")
    async with g.lab_host() as host:
        argv = diagnose_argv(g.settings_for(host))
    assert "--send" in argv and PASSWORD_ENV not in argv
