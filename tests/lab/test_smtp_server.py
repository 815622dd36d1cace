"""Each lab fault does what it says, checked byte for byte with a raw asyncio client (or smtplib)."""

from __future__ import annotations

import asyncio
import base64
import smtplib
import socket
import ssl
import time

import pytest

from smtpdoctor.lab.faults import LAB_PASSWORD, LAB_USER, MIB, Fault
from smtpdoctor.lab.smtp_server import LabHost, LabSmtpServer, allocate_loopback_address

GREETING = b"220 mail.lab.test ESMTP smtpdoctor-lab\r\n"
EHLO_DEFAULT = (b"250-mail.lab.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-ENHANCEDSTATUSCODES\r\n"
                b"250-8BITMIME\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n")


def plain(user: str, password: str) -> str:
    return base64.b64encode(f"\0{user}\0{password}".encode()).decode()


# -- the healthy default ------------------------------------------------------------------------------
async def test_default_server_greets_and_answers_ehlo_exactly(connect):
    async with LabSmtpServer() as srv:
        assert srv.port > 0 and srv.address == f"127.0.0.1:{srv.port}"
        wire = await connect(srv)
        assert await wire.reply() == GREETING
        assert await wire.cmd("EHLO client.example") == EHLO_DEFAULT
        assert await wire.cmd("QUIT") == b"221 2.0.0 Bye\r\n"
        assert await wire.rest() == b""
        await srv.wait_idle()
    record = srv.sessions[0]
    assert record.received == [b"EHLO client.example", b"QUIT"]
    assert record.sent == GREETING + EHLO_DEFAULT + b"221 2.0.0 Bye\r\n"
    assert record.ended == "quit"


async def test_smtplib_sends_a_message_and_the_server_records_it():
    async with LabSmtpServer() as srv:
        def send() -> None:
            with smtplib.SMTP(srv.host, srv.port, timeout=5) as client:
                client.sendmail("a@lab.test", ["b@lab.test", "c@lab.test"], b"Subject: x\r\n\r\n.leading dot\r\nend\r\n")
        await asyncio.to_thread(send)
        await srv.wait_idle()
    [message] = srv.messages
    assert message.mail_from == "a@lab.test"
    assert message.rcpt_to == ("b@lab.test", "c@lab.test")
    assert message.data == b"Subject: x\r\n\r\n.leading dot\r\nend\r\n"  # dot-unstuffed
    assert message.via == "DATA"


async def test_bdat_is_accepted_when_chunking_is_advertised(connect):
    async with LabSmtpServer() as srv:
        wire = await connect(srv)
        await wire.reply()
        await wire.cmd("EHLO c")
        await wire.cmd("MAIL FROM:<a@lab.test>")
        await wire.cmd("RCPT TO:<b@lab.test>")
        await wire.send(b"BDAT 5\r\nhello")
        assert await wire.reply() == b"250 2.0.0 Ok: 5 bytes received\r\n"
        await wire.send(b"BDAT 7 LAST\r\n world!")
        assert (await wire.reply()).startswith(b"250 2.0.0 Ok: queued as LAB")
    assert srv.messages[0].data == b"hello world!" and srv.messages[0].via == "BDAT"


async def test_removed_extensions_disappear_and_bdat_is_refused(connect):
    async with LabSmtpServer([Fault.extensions(remove=("CHUNKING", "PIPELINING"), add=("DSN",))]) as srv:
        wire = await connect(srv)
        await wire.reply()
        ehlo = await wire.cmd("EHLO c")
        assert b"CHUNKING" not in ehlo and b"PIPELINING" not in ehlo and ehlo.endswith(b"250 DSN\r\n")
        assert await wire.cmd("BDAT 1 LAST") == b"502 5.5.2 Error: command not recognized\r\n"


async def test_size_declared_over_the_limit_is_refused(connect):
    async with LabSmtpServer() as srv:
        wire = await connect(srv)
        await wire.reply()
        await wire.cmd("EHLO c")
        assert await wire.cmd("MAIL FROM:<a@lab.test> SIZE=99999999") == b"552 5.3.4 Message size exceeds fixed limit\r\n"


async def test_overlong_and_non_ascii_commands_are_answered_and_the_session_goes_on(connect):
    async with LabSmtpServer() as srv:
        wire = await connect(srv)
        await wire.reply()
        assert await wire.cmd(b"NOOP " + b"a" * 100_000) == b"500 5.5.2 Error: line too long\r\n"
        assert await wire.cmd(b"\xff\xfeHELO x") == b"502 5.5.2 Error: command not recognized\r\n"
        assert await wire.cmd("RCPT TO:<b@lab.test>") == b"503 5.5.1 Error: need MAIL command\r\n"
        assert await wire.cmd("NOOP") == b"250 2.0.0 Ok\r\n"


async def test_pipelined_commands_are_answered_in_order(connect):
    async with LabSmtpServer() as srv:
        wire = await connect(srv)
        await wire.reply()
        await wire.send(b"EHLO c\r\nMAIL FROM:<a@lab.test>\r\nRCPT TO:<b@lab.test>\r\nRSET\r\n")
        assert (await wire.reply()).startswith(b"250-mail.lab.test")
        assert [await wire.reply() for _ in range(3)] == [b"250 2.1.0 Ok\r\n", b"250 2.1.5 Ok\r\n", b"250 2.0.0 Ok\r\n"]


# -- connection faults ----------------------------------------------------------------------------------
async def test_refuse_means_connection_refused():
    async with LabSmtpServer([Fault.refuse()]) as srv:
        assert srv.port > 0
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection(srv.host, srv.port)


async def test_filtered_means_connect_times_out_and_is_refused_after_stop():
    srv = await LabSmtpServer([Fault.filtered()]).start()
    try:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.open_connection(srv.host, srv.port), 0.4)
    finally:
        await srv.stop()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(srv.host, srv.port)


async def test_blackhole_accepts_never_speaks_and_records_what_arrives(connect):
    async with LabSmtpServer([Fault.blackhole()]) as srv:
        wire = await connect(srv)
        assert await wire.silent(0.3)
        await wire.send(b"EHLO anyone-there\r\n")
        assert await wire.silent(0.2)
        await wire.close()
        await srv.wait_idle()
    assert srv.sessions[0].received == [b"EHLO anyone-there\r\n"]
    assert srv.sessions[0].sent == b""


async def test_reset_aborts_the_connection_with_rst(connect):
    async with LabSmtpServer([Fault.reset()]) as srv:
        wire = await connect(srv)
        with pytest.raises(ConnectionResetError):
            await asyncio.wait_for(wire.reader.read(100), 2)
        await srv.wait_idle()
    assert srv.sessions[0].ended == "reset"


async def test_slow_banner_waits_before_the_greeting(connect):
    async with LabSmtpServer([Fault.slow_banner(0.3)]) as srv:
        start = time.monotonic()
        wire = await connect(srv)
        assert await wire.reply() == GREETING
        assert time.monotonic() - start >= 0.29


async def test_rtt_delays_every_reply_but_pipelined_commands_wait_once(connect):
    rtt = 0.15
    async with LabSmtpServer([Fault.rtt(rtt)]) as srv:
        start = time.monotonic()
        wire = await connect(srv)
        await wire.reply()
        assert time.monotonic() - start >= rtt * 0.95
        start = time.monotonic()
        for _ in range(3):
            assert await wire.cmd("NOOP") == b"250 2.0.0 Ok\r\n"
        assert time.monotonic() - start >= 3 * rtt * 0.95
        start = time.monotonic()
        await wire.send(b"NOOP\r\nNOOP\r\nNOOP\r\n")
        for _ in range(3):
            await wire.reply()
        assert rtt * 0.95 <= time.monotonic() - start < 2 * rtt


# -- greeting faults --------------------------------------------------------------------------------------
async def test_greeting_554_then_503_to_everything_but_quit(connect):
    async with LabSmtpServer([Fault.greeting_554()]) as srv:
        wire = await connect(srv)
        assert await wire.reply() == b"554 5.3.2 mail.lab.test Service currently unavailable\r\n"
        assert await wire.cmd("EHLO c") == b"503 5.5.1 Error: access denied\r\n"
        assert await wire.cmd("QUIT") == b"221 2.0.0 Bye\r\n"
        assert await wire.rest() == b""


async def test_greeting_421_then_close(connect):
    async with LabSmtpServer([Fault.greeting_421()]) as srv:
        wire = await connect(srv)
        assert await wire.rest() == b"421 4.3.2 mail.lab.test Service not available, closing transmission channel\r\n"


async def test_greeting_citing_a_blocklist_names_the_client_address(connect):
    async with LabSmtpServer([Fault.greeting_blocklisted("zen.spamhaus.org")]) as srv:
        wire = await connect(srv)
        assert await wire.reply() == (
            b"554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org; "
            b"https://www.spamhaus.org/query/ip/127.0.0.1\r\n")


async def test_custom_greeting_text_and_multiline(connect):
    async with LabSmtpServer([Fault.greeting("220-first line\n220 {host} second", then="continue")]) as srv:
        wire = await connect(srv)
        assert await wire.reply() == b"220-first line\r\n220 mail.lab.test second\r\n"
        assert (await wire.cmd("HELO c")) == b"250 mail.lab.test\r\n"


async def test_garbage_banner_then_silence(connect):
    from smtpdoctor.lab.faults import GARBAGE
    async with LabSmtpServer([Fault.garbage_banner()]) as srv:
        wire = await connect(srv)
        assert await asyncio.wait_for(wire.reader.readexactly(len(GARBAGE)), 2) == GARBAGE
        await wire.send(b"EHLO c\r\n")
        assert await wire.silent(0.2)


async def test_http_banner_on_connect(connect):
    async with LabSmtpServer([Fault.http_banner()]) as srv:
        wire = await connect(srv)
        data = await wire.rest()
        assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n") and data.endswith(b"</html>\r\n")


async def test_http_banner_waits_for_a_request_like_a_real_http_server(connect):
    async with LabSmtpServer([Fault.http_banner(on_connect=False)]) as srv:
        wire = await connect(srv)
        assert await wire.silent(0.2)
        await wire.send(b"EHLO c\r\n")
        assert (await wire.rest()).startswith(b"HTTP/1.1 400 Bad Request\r\n")


async def test_greeting_of_one_mebibyte_then_a_normal_dialogue(connect):
    async with LabSmtpServer([Fault.long_line("greeting")]) as srv:
        wire = await connect(srv)
        greeting = await wire.reply(timeout=5)
        assert len(greeting) == MIB and greeting.startswith(b"220 xxx") and greeting.endswith(b"x\r\n")
        assert await wire.cmd("NOOP") == b"250 2.0.0 Ok\r\n"


async def test_long_line_in_the_ehlo_reply(connect):
    async with LabSmtpServer([Fault.long_line("ehlo", size=200_000)]) as srv:
        wire = await connect(srv)
        await wire.reply()
        reply = await wire.cmd("EHLO c")
        first, _, rest = reply.partition(b"\r\n")
        assert len(first) + 2 == 200_000 and first.startswith(b"250-xx")
        assert rest + b"" == EHLO_DEFAULT


async def test_endless_continuation_never_ends_and_the_server_stops_when_the_client_leaves(connect):
    async with LabSmtpServer([Fault.endless_continuation("ehlo")]) as srv:
        wire = await connect(srv)
        await wire.reply()
        await wire.send(b"EHLO c\r\n")
        received = b""
        while len(received) < 2 * MIB:
            received += await asyncio.wait_for(wire.reader.read(65536), 2)
        lines = received.split(b"\r\n")[:-1]
        assert all(line.startswith(b"250-") for line in lines)
        await wire.close()
        await srv.wait_idle(timeout=3)
    assert srv.sessions[0].ended.startswith(("error", "client-closed"))


async def test_endless_continuation_in_the_greeting(connect):
    async with LabSmtpServer([Fault.endless_continuation("greeting")]) as srv:
        wire = await connect(srv)
        chunk = await asyncio.wait_for(wire.reader.readexactly(300_000), 2)
        assert chunk.startswith(b"220-this reply never ends") and b"\r\n220 " not in chunk


async def test_non_utf8_bytes_in_greeting_and_ehlo(connect):
    async with LabSmtpServer([Fault.non_utf8("greeting"), Fault.non_utf8("ehlo")]) as srv:
        wire = await connect(srv)
        greeting = await wire.reply()
        assert greeting == b"220 mail.lab.test ESMTP \xff\xfe\xc3\x28 caf\xe9 \xa0ready\r\n"
        with pytest.raises(UnicodeDecodeError):
            greeting.decode("utf-8")
        ehlo = await wire.cmd("EHLO c")
        assert b"250-X-\xff\xfe\xc3\x28-CAF\xc9\r\n" in ehlo and ehlo.endswith(b"250 CHUNKING\r\n")


async def test_drop_after_ehlo_closes_without_a_reply(connect):
    async with LabSmtpServer([Fault.drop_after_ehlo()]) as srv:
        wire = await connect(srv)
        assert await wire.reply() == GREETING
        await wire.send(b"EHLO c\r\n")
        assert await wire.rest() == b""


# -- TLS ------------------------------------------------------------------------------------------------
async def test_starttls_upgrades_and_ehlo_then_drops_starttls(connect, pki):
    async with LabSmtpServer([Fault.starttls()], pki=pki) as srv:
        wire = await connect(srv)
        await wire.reply()
        assert b"250-STARTTLS\r\n" in await wire.cmd("EHLO c")
        assert await wire.cmd("STARTTLS") == b"220 2.0.0 Ready to start TLS\r\n"
        await wire.starttls(pki.client_context())
        ehlo = await wire.cmd("EHLO c")
        assert b"STARTTLS" not in ehlo
        assert await wire.cmd("STARTTLS") == b"554 5.5.1 Error: TLS already active\r\n"
        await wire.cmd("QUIT")
        await srv.wait_idle()
    record = srv.sessions[0]
    assert record.tls_version in ("TLSv1.2", "TLSv1.3") and record.tls_cipher
    assert [e.tls for e in record.transcript if e.dir == "recv"] == [False, False, True, True, True]


@pytest.mark.parametrize(
    ("kind", "verify_message"),
    [
        ("expired", "certificate has expired"),
        ("not-yet-valid", "certificate is not yet valid"),
        ("wrong-name", "Hostname mismatch"),
        ("self-signed", "self-signed certificate"),
        ("weak-key", "key too weak"),
    ],
)
async def test_starttls_with_a_bad_certificate_fails_verification(connect, pki, kind, verify_message):
    async with LabSmtpServer([Fault.starttls(cert=kind)], pki=pki) as srv:
        wire = await connect(srv)
        await wire.reply()
        await wire.cmd("EHLO c")
        await wire.cmd("STARTTLS")
        with pytest.raises(ssl.SSLCertVerificationError) as info:
            await wire.starttls(pki.client_context())
        assert verify_message in str(info.value)
        await wire.close()
        await srv.wait_idle()
    assert srv.sessions[0].ended == "tls-failed" and srv.sessions[0].tls_error


async def test_valid_certificate_matches_the_ip_the_server_listens_on(connect, pki):
    async with LabSmtpServer([Fault.implicit_tls()], pki=pki) as srv:
        wire = await connect(srv, ssl_context=pki.client_context(), hostname="127.0.0.1")
        assert await wire.reply() == GREETING


async def test_implicit_tls_greets_only_after_the_handshake(connect, pki):
    async with LabSmtpServer([Fault.implicit_tls()], pki=pki) as srv:
        tls_wire = await connect(srv, ssl_context=pki.client_context())
        assert await tls_wire.reply() == GREETING
        assert b"STARTTLS" not in await tls_wire.cmd("EHLO c")
        plain_wire = await connect(srv)
        assert await plain_wire.silent(0.3)  # a plaintext client hears nothing on an SMTPS port


async def test_implicit_tls_client_on_a_plain_port_gets_a_protocol_error(connect, pki):
    async with LabSmtpServer([Fault.starttls()], pki=pki) as srv:
        with pytest.raises(ssl.SSLError):
            await connect(srv, ssl_context=pki.client_context())
        await srv.wait_idle()
    record = srv.sessions[0]
    assert record.sent.startswith(GREETING)  # the server greeted in the clear; the client's TLS saw garbage
    assert record.received[0].startswith(b"\x16\x03")  # and the server got a TLS ClientHello as a "command"


async def test_plaintext_injected_after_starttls_is_discarded_and_recorded(connect, pki):
    async with LabSmtpServer([Fault.starttls()], pki=pki) as srv:
        wire = await connect(srv)
        await wire.reply()
        await wire.cmd("EHLO c")
        await wire.send(b"STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\n")
        assert await wire.reply() == b"220 2.0.0 Ready to start TLS\r\n"
        await wire.starttls(pki.client_context())
        assert await wire.cmd("NOOP") == b"250 2.0.0 Ok\r\n"
        assert await wire.cmd("RCPT TO:<b@lab.test>") == b"503 5.5.1 Error: need MAIL command\r\n"
    assert srv.sessions[0].discarded_after_starttls == b"MAIL FROM:<injected@evil.example>\r\n"


async def test_starttls_advertised_but_refused_with_454(connect):
    async with LabSmtpServer([Fault.starttls(), Fault.starttls_unavailable()]) as srv:
        wire = await connect(srv)
        await wire.reply()
        assert b"250-STARTTLS\r\n" in await wire.cmd("EHLO c")
        assert await wire.cmd("STARTTLS") == b"454 4.7.0 TLS not available due to local problem\r\n"
        assert await wire.cmd("NOOP") == b"250 2.0.0 Ok\r\n"


async def test_starttls_unavailable_alone_still_advertises_starttls(connect):
    async with LabSmtpServer([Fault.starttls_unavailable()]) as srv:
        wire = await connect(srv)
        await wire.reply()
        assert b"250-STARTTLS\r\n" in await wire.cmd("EHLO c")


@pytest.mark.parametrize(("mode", "after"), [("close", b""), ("garbage", b"500 5.5.1 this is not a TLS handshake\r\n")])
async def test_starttls_abort_after_220(connect, pki, mode, after):
    async with LabSmtpServer([Fault.starttls(), Fault.starttls_abort(mode)], pki=pki) as srv:
        wire = await connect(srv)
        await wire.reply()
        await wire.cmd("EHLO c")
        await wire.send(b"STARTTLS\r\n")
        assert await wire.rest() == b"220 2.0.0 Ready to start TLS\r\n" + after


async def test_starttls_abort_with_reset(connect):
    async with LabSmtpServer([Fault.starttls(), Fault.starttls_abort("reset")]) as srv:
        wire = await connect(srv)
        await wire.reply()
        await wire.cmd("EHLO c")
        assert await wire.cmd("STARTTLS") == b"220 2.0.0 Ready to start TLS\r\n"
        with pytest.raises(ConnectionResetError):
            await asyncio.wait_for(wire.reader.read(10), 2)


async def test_no_starttls_and_stripped_starttls(connect):
    async with LabSmtpServer([Fault.no_starttls()]) as srv:
        wire = await connect(srv)
        await wire.reply()
        assert b"STARTTLS" not in await wire.cmd("EHLO c")
        assert await wire.cmd("STARTTLS") == b"502 5.5.1 Error: command not implemented\r\n"
    async with LabSmtpServer([Fault.starttls(), Fault.starttls_stripped()]) as srv:
        wire = await connect(srv)
        await wire.reply()
        ehlo = await wire.cmd("EHLO c")
        assert b"250-XXXXXXXA\r\n" in ehlo and b"STARTTLS" not in ehlo
        assert await wire.cmd("STARTTLS") == b"502 5.5.2 Error: command not recognized\r\n"


async def test_require_starttls_answers_530_before_tls(connect, pki):
    async with LabSmtpServer([Fault.starttls(), Fault.auth(tls_only=True), Fault.require_starttls()], pki=pki) as srv:
        wire = await connect(srv)
        await wire.reply()
        ehlo = await wire.cmd("EHLO c")
        assert b"AUTH" not in ehlo
        assert await wire.cmd("AUTH PLAIN " + plain(LAB_USER, LAB_PASSWORD)) == \
            b"530 5.7.0 Must issue a STARTTLS command first\r\n"
        assert await wire.cmd("MAIL FROM:<a@lab.test>") == b"530 5.7.0 Must issue a STARTTLS command first\r\n"
        await wire.cmd("STARTTLS")
        await wire.starttls(pki.client_context())
        assert b"250-AUTH PLAIN LOGIN\r\n" in await wire.cmd("EHLO c")
        assert await wire.cmd("AUTH PLAIN " + plain(LAB_USER, LAB_PASSWORD)) == b"235 2.7.0 Authentication successful\r\n"


# -- AUTH ------------------------------------------------------------------------------------------------
async def _greeted(connect, srv):
    wire = await connect(srv)
    await wire.reply()
    await wire.cmd("EHLO c")
    return wire


async def test_auth_plain_accepts_the_right_password_and_records_the_payload(connect):
    payload = plain("u", "p")
    async with LabSmtpServer([Fault.auth(users={"u": "p"})]) as srv:
        wire = await _greeted(connect, srv)
        assert await wire.cmd(f"AUTH PLAIN {payload}") == b"235 2.7.0 Authentication successful\r\n"
        assert await wire.cmd("AUTH PLAIN x") == b"503 5.5.1 Error: already authenticated\r\n"
    record = srv.sessions[0]
    assert f"AUTH PLAIN {payload}".encode() in record.received
    assert record.authenticated_as == "u"
    [attempt] = record.auth_attempts
    assert (attempt.mechanism, attempt.username, attempt.password, attempt.success) == ("PLAIN", "u", "p", True)
    assert "'p'" not in repr(attempt)


async def test_auth_plain_without_initial_response_and_wrong_password(connect):
    async with LabSmtpServer([Fault.auth(users={"u": "p"})]) as srv:
        wire = await _greeted(connect, srv)
        assert await wire.cmd("AUTH PLAIN") == b"334 \r\n"
        assert await wire.cmd(plain("u", "wrong")) == b"535 5.7.8 Error: authentication failed: authentication failure\r\n"
        assert await wire.cmd("AUTH PLAIN") == b"334 \r\n"
        assert await wire.cmd("*") == b"501 5.7.0 Authentication aborted\r\n"
        assert await wire.cmd("AUTH PLAIN !!notbase64") == b"501 5.5.2 Error: invalid base64 data\r\n"
        assert await wire.cmd("AUTH GSSAPI") == b"535 5.7.8 Error: authentication failed: Invalid authentication mechanism\r\n"


async def test_auth_login_challenges_are_the_usual_base64_prompts(connect):
    async with LabSmtpServer([Fault.auth(users={"u": "p"})]) as srv:
        wire = await _greeted(connect, srv)
        assert await wire.cmd("AUTH LOGIN") == b"334 VXNlcm5hbWU6\r\n"
        assert await wire.cmd(base64.b64encode(b"u").decode()) == b"334 UGFzc3dvcmQ6\r\n"
        assert await wire.cmd(base64.b64encode(b"p").decode()) == b"235 2.7.0 Authentication successful\r\n"


async def test_auth_cram_md5_with_smtplib():
    async with LabSmtpServer([Fault.auth(users={"u": "p"}, mechanisms=("CRAM-MD5",))]) as srv:
        def login() -> tuple[int, bytes]:
            with smtplib.SMTP(srv.host, srv.port, timeout=5) as client:
                return client.login("u", "p")
        assert await asyncio.to_thread(login) == (235, b"2.7.0 Authentication successful")


@pytest.mark.parametrize(
    ("fault", "reply"),
    [
        (Fault.auth_app_password_required(),
         b"534-5.7.9 Application-specific password required. For more information, go to\r\n"
         b"534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor\r\n"),
        (Fault.auth_disabled_for_tenant(),
         b"535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
         b"Visit https://aka.ms/smtp_auth_disabled for more information.\r\n"),
        (Fault.auth_temporary_failure(), b"454 4.7.0 Temporary authentication failure\r\n"),
        (Fault.auth_rejected("535 5.7.3 Authentication unsuccessful"), b"535 5.7.3 Authentication unsuccessful\r\n"),
    ],
)
async def test_auth_outcome_faults_answer_after_the_credentials_even_right_ones(connect, fault, reply):
    async with LabSmtpServer([Fault.auth(), fault]) as srv:
        wire = await _greeted(connect, srv)
        assert await wire.cmd("AUTH PLAIN " + plain(LAB_USER, LAB_PASSWORD)) == reply
    assert srv.sessions[0].auth_attempts[0].username == LAB_USER
    assert srv.sessions[0].authenticated_as is None


async def test_auth_outcome_fault_alone_turns_auth_on(connect):
    async with LabSmtpServer([Fault.auth_temporary_failure()]) as srv:
        wire = await connect(srv)
        await wire.reply()
        assert b"250-AUTH PLAIN LOGIN\r\n" in await wire.cmd("EHLO c")


async def test_auth_encryption_required_answers_538_before_any_payload(connect):
    async with LabSmtpServer([Fault.auth(), Fault.auth_encryption_required()]) as srv:
        wire = await _greeted(connect, srv)
        assert await wire.cmd("AUTH LOGIN") == b"538 5.7.11 Encryption required for requested authentication mechanism\r\n"
        assert await wire.cmd("NOOP") == b"250 2.0.0 Ok\r\n"


async def test_auth_tls_only_and_not_advertised(connect):
    async with LabSmtpServer([Fault.auth(tls_only=True)]) as srv:
        wire = await connect(srv)
        await wire.reply()
        assert b"AUTH" not in await wire.cmd("EHLO c")
        assert await wire.cmd("AUTH PLAIN x") == b"503 5.5.1 Error: authentication not enabled\r\n"
    async with LabSmtpServer([Fault.auth_not_advertised()]) as srv:
        wire = await _greeted(connect, srv)
        assert await wire.cmd("AUTH PLAIN x") == b"503 5.5.1 Error: authentication not enabled\r\n"


async def test_auth_garbage_reply(connect):
    from smtpdoctor.lab.faults import AUTH_GARBAGE
    async with LabSmtpServer([Fault.auth_garbage()]) as srv:
        wire = await _greeted(connect, srv)
        await wire.send(b"AUTH PLAIN " + plain("u", "p").encode() + b"\r\n")
        assert await asyncio.wait_for(wire.reader.readexactly(len(AUTH_GARBAGE)), 2) == AUTH_GARBAGE


async def test_auth_endless_challenge_keeps_asking(connect):
    async with LabSmtpServer([Fault.auth_endless_challenge()]) as srv:
        wire = await _greeted(connect, srv)
        reply = await wire.cmd("AUTH LOGIN")
        for _ in range(50):
            assert reply.startswith(b"334 ") and reply.endswith(b"\r\n")
            reply = await wire.cmd("*")
        await wire.close()
        await srv.wait_idle()


# -- envelope ---------------------------------------------------------------------------------------------
async def test_relay_denied_unless_authenticated_or_local(connect):
    async with LabSmtpServer([Fault.auth(), Fault.relay_denied()]) as srv:
        wire = await _greeted(connect, srv)
        await wire.cmd("MAIL FROM:<user@lab.test>")
        assert await wire.cmd("RCPT TO:<someone@example.net>") == b"554 5.7.1 <someone@example.net>: Relay access denied\r\n"
        assert await wire.cmd("RCPT TO:<postmaster@lab.test>") == b"250 2.1.5 Ok\r\n"
        await wire.cmd("RSET")
        assert (await wire.cmd("AUTH PLAIN " + plain(LAB_USER, LAB_PASSWORD))).startswith(b"235")
        await wire.cmd("MAIL FROM:<user@lab.test>")
        assert await wire.cmd("RCPT TO:<someone@example.net>") == b"250 2.1.5 Ok\r\n"


async def test_sender_not_owned(connect):
    async with LabSmtpServer([Fault.auth(), Fault.sender_not_owned()]) as srv:
        wire = await _greeted(connect, srv)
        await wire.cmd("AUTH PLAIN " + plain(LAB_USER, LAB_PASSWORD))
        assert await wire.cmd("MAIL FROM:<ceo@other.example>") == \
            b"553 5.7.1 <ceo@other.example>: Sender address rejected: not owned by user user@lab.test\r\n"
        assert await wire.cmd("MAIL FROM:<User@Lab.test>") == b"250 2.1.0 Ok\r\n"


@pytest.mark.parametrize(
    ("fault", "reply"),
    [
        (Fault.user_unknown(),
         b"550 5.1.1 <b@lab.test>: Recipient address rejected: User unknown in local recipient table\r\n"),
        (Fault.reverse_hostname_required(),
         b"450 4.7.1 Client host rejected: cannot find your reverse hostname, [127.0.0.1]\r\n"),
        (Fault.rcpt_blocklisted("zen.spamhaus.org"),
         b"554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org; "
         b"https://www.spamhaus.org/query/ip/127.0.0.1\r\n"),
        (Fault.reject("RCPT", "550 5.7.1 custom {addr}"), b"550 5.7.1 custom b@lab.test\r\n"),
    ],
)
async def test_rcpt_rules(connect, fault, reply):
    async with LabSmtpServer([fault]) as srv:
        wire = await _greeted(connect, srv)
        await wire.cmd("MAIL FROM:<a@lab.test>")
        assert await wire.cmd("RCPT TO:<b@lab.test>") == reply


async def test_user_unknown_only_for_listed_addresses(connect):
    async with LabSmtpServer([Fault.user_unknown(["nobody@lab.test"])]) as srv:
        wire = await _greeted(connect, srv)
        await wire.cmd("MAIL FROM:<a@lab.test>")
        assert (await wire.cmd("RCPT TO:<Nobody@lab.test>")).startswith(b"550 5.1.1")
        assert await wire.cmd("RCPT TO:<b@lab.test>") == b"250 2.1.5 Ok\r\n"


async def test_greylisting_defers_then_accepts(connect):
    async with LabSmtpServer([Fault.greylisted(times=1)]) as srv:
        wire = await _greeted(connect, srv)
        await wire.cmd("MAIL FROM:<a@lab.test>")
        assert await wire.cmd("RCPT TO:<b@lab.test>") == \
            b"451 4.7.1 <b@lab.test>: Recipient address rejected: Greylisted, please try again in 300 seconds\r\n"
        assert await wire.cmd("RCPT TO:<b@lab.test>") == b"250 2.1.5 Ok\r\n"


async def test_rate_limited_answers_421_and_hangs_up(connect):
    async with LabSmtpServer([Fault.rate_limited()]) as srv:
        wire = await _greeted(connect, srv)
        await wire.send(b"MAIL FROM:<a@lab.test>\r\n")
        assert await wire.rest() == b"421 4.7.0 mail.lab.test Error: too many messages from 127.0.0.1, slow down\r\n"


async def test_faults_compose_rtt_with_tls_auth_and_envelope(connect, pki):
    faults = [Fault.starttls(), Fault.auth(tls_only=True), Fault.relay_denied(), Fault.rtt(0.05)]
    async with LabSmtpServer(faults, pki=pki) as srv:
        def session() -> int:
            with smtplib.SMTP(srv.host, srv.port, timeout=5) as client:
                client.starttls(context=pki.client_context())
                client.login(LAB_USER, LAB_PASSWORD)
                client.sendmail(LAB_USER, ["someone@example.net"], b"Subject: t\r\n\r\nx\r\n")
                return 0
        start = time.monotonic()
        await asyncio.to_thread(session)
        assert time.monotonic() - start >= 0.05 * 8
    assert srv.messages[0].rcpt_to == ("someone@example.net",)
    assert srv.sessions[0].tls_version is not None


# -- lifecycle ---------------------------------------------------------------------------------------------
async def test_stop_closes_stuck_sessions_and_leaves_no_tasks(connect):
    servers = [
        LabSmtpServer([Fault.blackhole()]),
        LabSmtpServer([Fault.slow_banner(30)]),
        LabSmtpServer([Fault.endless_continuation("greeting")]),
        LabSmtpServer([Fault.auth_endless_challenge()]),
    ]
    before = asyncio.all_tasks()
    for srv in servers:
        await srv.start()
        await connect(srv)  # the endless writer blocks in drain() once the client stops reading
    await asyncio.sleep(0.2)
    start = time.monotonic()
    await asyncio.gather(*(srv.stop() for srv in servers))
    assert time.monotonic() - start < 1.0
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()
    assert [s.sessions[0].ended for s in servers] == ["stopped"] * 4


async def test_idle_timeout_ends_a_silent_client():
    async with LabSmtpServer(idle_timeout=0.2) as srv:
        reader, writer = await asyncio.open_connection(srv.host, srv.port)
        assert await asyncio.wait_for(reader.read(), 2) == GREETING
        writer.close()
    assert srv.sessions[0].ended == "idle-timeout"


async def test_ipv6_loopback(connect):
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        srv = await LabSmtpServer(host="::1").start()
    except OSError:
        pytest.skip("::1 not available")
    try:
        assert srv.address == f"[::1]:{srv.port}"
        wire = await connect(srv)
        assert await wire.reply() == GREETING
    finally:
        await srv.stop()


# -- LabHost -----------------------------------------------------------------------------------------------
async def test_lab_host_free_ports_map_every_sweep_port_explicitly():
    async with LabHost({587: [Fault.starttls()], 2526: [Fault.refuse()]}, real_ports=False) as host:
        assert set(host.port_map) == {25, 465, 587, 2525, 2526}
        assert host.address.startswith("127.") and host.address != "127.0.0.1"
        assert not host.uses_real_ports
        reader, writer = await asyncio.open_connection(host.address, host.port(587))
        assert await reader.readline() == GREETING
        writer.close()
        for nominal in (25, 465, 2525, 2526):
            with pytest.raises(ConnectionRefusedError):
                await asyncio.open_connection(host.address, host.port(nominal))


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEADDR") or __import__("os").geteuid() != 0, reason="needs root")
async def test_lab_host_uses_the_real_port_numbers_as_root():
    async with LabHost({25: [Fault.starttls()], 465: [Fault.implicit_tls()], 587: [Fault.starttls()]}) as host:
        assert host.uses_real_ports
        assert host.port_map == {25: 25, 465: 465, 587: 587, 2525: 2525}
        reader, writer = await asyncio.open_connection(host.address, 587)
        assert await reader.readline() == GREETING
        writer.close()
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection(host.address, 2525)


@pytest.mark.skipif(__import__("os").geteuid() != 0, reason="needs root")
async def test_lab_host_falls_back_to_free_ports_when_a_number_is_taken():
    address = allocate_loopback_address()
    squatter = socket.socket()
    squatter.bind((address, 2525))
    squatter.listen(1)
    try:
        async with LabHost({587: [Fault.starttls()]}, address=address) as host:
            assert host.address == address and not host.uses_real_ports
            assert host.port(2525) != 2525
    finally:
        squatter.close()


async def test_lab_host_rejects_contradictory_faults_at_construction():
    from smtpdoctor.lab.faults import FaultConflict
    with pytest.raises(FaultConflict, match="greeting-554.*greeting-421"):
        LabHost({587: [Fault.greeting_554(), Fault.greeting_421()]})


def test_exported_names():
    from smtpdoctor.lab import smtp_server
    assert set(smtp_server.__all__) == {
        "LabSmtpServer", "LabHost", "SessionRecord", "Exchange", "AuthAttempt", "Message",
        "allocate_loopback_address", "SWEEP_PORTS"}
    assert smtp_server.SWEEP_PORTS == __import__("smtpdoctor.core.settings").core.settings.SWEEP_PORTS
