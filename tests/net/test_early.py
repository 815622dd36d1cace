"""Connects started before the SMTP machinery is imported (``net/early.py``) and taken over by the session:
the same connection, the same errors, the connect time counted from the SYN; each is taken once."""

from __future__ import annotations

import socket
import time

import pytest

from smtpdoctor.lab.faults import Fault
from smtpdoctor.lab.smtp_server import LabSmtpServer
from smtpdoctor.net.early import EarlyConnects
from smtpdoctor.net.smtp import SmtpSession, Timeouts, Transcript
from smtpdoctor.protocol.errors import ConnectRefused, ConnectTimeout


async def test_the_session_takes_the_early_connect_over_and_speaks_smtp_on_it():
    async with LabSmtpServer(faults=[Fault.starttls()]) as server:
        early = EarlyConnects()
        assert early.start(server.host, server.port)
        sock, started = early.take(server.host, server.port)  # what the session will get: put it back
        early._open[(server.host, server.port, None)] = (sock, started)
        time.sleep(0.05)  # the imports of a real run: the SYN was answered meanwhile
        session = await SmtpSession.open(server.host, server.port, timeouts=Timeouts.uniform(5), early=early)
        try:
            assert session._writer.get_extra_info("socket").fileno() == sock.fileno()  # that very socket
            assert session.connect_time >= 0.05  # counted from the SYN, not from the take-over
            assert (await session.greeting()).code == 220
            reply, caps = await session.ehlo("client.example")
            assert reply.code == 250 and caps.starttls
        finally:
            await session.close()
        assert len(early) == 0 and early.take(server.host, server.port) is None  # taken once


async def test_a_second_connection_to_the_same_port_connects_by_itself():
    async with LabSmtpServer(faults=[Fault.starttls()]) as server:
        early = EarlyConnects()
        early.start(server.host, server.port)
        first = await SmtpSession.open(server.host, server.port, timeouts=Timeouts.uniform(5), early=early)
        second = await SmtpSession.open(server.host, server.port, timeouts=Timeouts.uniform(5), early=early)
        try:
            assert (await first.greeting()).code == 220 and (await second.greeting()).code == 220
        finally:
            await first.close()
            await second.close()


async def test_a_refused_early_connect_is_the_same_error_as_a_refused_connect():
    async with LabSmtpServer(faults=[Fault.refuse()]) as server:
        early = EarlyConnects()
        early.start(server.host, server.port)
        transcript = Transcript()
        with pytest.raises(ConnectRefused):
            await SmtpSession.open(server.host, server.port, timeouts=Timeouts.uniform(5), early=early,
                                   transcript=transcript)
        with pytest.raises(ConnectRefused):  # the same, without an early connect
            await SmtpSession.open(server.host, server.port, timeouts=Timeouts.uniform(5))
    assert transcript.lines[-1].dir == "error" and "refused" in transcript.lines[-1].text


async def test_the_connect_timeout_counts_from_the_syn():
    async with LabSmtpServer(faults=[Fault.filtered()]) as server:
        early = EarlyConnects()
        early.start(server.host, server.port)
        time.sleep(0.4)
        t0 = time.perf_counter()
        with pytest.raises(ConnectTimeout):
            await SmtpSession.open(server.host, server.port, timeouts=Timeouts.uniform(1.0), early=early)
        assert time.perf_counter() - t0 < 0.9  # the 0.4 s already spent since the SYN count


def test_a_connect_that_cannot_start_is_left_to_the_session_and_close_closes_the_rest():
    early = EarlyConnects()
    assert not early.start("127.0.0.1", 25, source_ip="192.0.2.77")  # not an address of this machine
    assert len(early) == 0
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        assert early.start("127.0.0.1", listener.getsockname()[1])
        sock, _ = early.take("127.0.0.1", listener.getsockname()[1])
        early._open[("127.0.0.1", 1, None)] = (sock, 0.0)
        early.close()
        assert sock.fileno() == -1 and len(early) == 0
    finally:
        listener.close()


async def test_a_connect_answered_before_its_time_was_up_is_not_timed_out_by_a_slow_start():
    # the whole connect timeout went by while the run was starting, but the answer came within it
    async with LabSmtpServer(faults=[Fault.starttls()]) as server:
        early = EarlyConnects()
        early.start(server.host, server.port)
        time.sleep(0.3)
        session = await SmtpSession.open(server.host, server.port, timeouts=Timeouts.uniform(0.2), early=early)
        try:
            assert (await session.greeting()).code == 220
        finally:
            await session.close()
