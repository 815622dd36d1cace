"""The DNS data of the session-wide Knot instance (the ``knot`` fixture) and what each name is for.

Loopback client addresses play roles, so a test picks behaviour by its source address
(``smtplib.SMTP(..., source_address=(ip, 0))``, ``swaks --local-interface``, ``--source-ip``):

==============  ======================================================================
127.0.0.1       ordinary client: no PTR, not listed, not in mynetworks
127.0.0.2       listed in ``rbl.smtpdoctor.test`` (the RFC 5782 test point), no PTR
127.0.0.3       PTR ``client3.smtpdoctor.test`` whose A is 127.0.0.3 (FCrDNS passes)
127.0.0.4       trusted: Postfix's ``mynetworks`` (may relay without AUTH); PTR ``trusted.smtpdoctor.test``
127.0.0.5       PTR ``forged.smtpdoctor.test`` whose A is 127.0.0.99 (FCrDNS fails)
==============  ======================================================================
"""

from __future__ import annotations

__all__ = ["LAB_DOMAIN", "LAB_ZONES", "LAB_RECORDS", "RBL_ZONE", "RHSBL_ZONE", "CLIENTS",
           "UNKNOWN_DOMAIN", "LISTED_DOMAIN"]

LAB_DOMAIN = "smtpdoctor.test"
RBL_ZONE = "rbl.smtpdoctor.test"
RHSBL_ZONE = "dbl.smtpdoctor.test"
UNKNOWN_DOMAIN = "nosuch.smtpdoctor.test"      # NXDOMAIN: reject_unknown_sender_domain trips
LISTED_DOMAIN = "spammy.smtpdoctor.test"       # listed in RHSBL_ZONE
LAB_ZONES = (LAB_DOMAIN, "0.0.127.in-addr.arpa")  # plus the root zone "." (unknown names: NXDOMAIN)

CLIENTS = {
    "127.0.0.1": "ordinary: no PTR, not listed, not trusted",
    "127.0.0.2": f"listed in {RBL_ZONE}, no PTR",
    "127.0.0.3": "PTR client3.smtpdoctor.test, forward-confirmed",
    "127.0.0.4": "trusted (mynetworks), PTR trusted.smtpdoctor.test",
    "127.0.0.5": "PTR forged.smtpdoctor.test, forward lookup gives another address",
}

LAB_RECORDS = {
    LAB_DOMAIN: {
        "MX": ["10 mx.smtpdoctor.test."],
        "TXT": ["v=spf1 ip4:127.0.0.0/8 ip6:::1 -all"],
    },
    "mx.smtpdoctor.test": {"A": ["127.0.0.1"], "AAAA": ["::1"]},
    "v4only.smtpdoctor.test": {"A": ["127.0.0.1"]},
    "wrongname.smtpdoctor.test": {"A": ["127.0.0.1"]},   # not in the server certificate
    "_dmarc.smtpdoctor.test": {"TXT": ["v=DMARC1; p=none; rua=mailto:dmarc@smtpdoctor.test"]},
    "client3.smtpdoctor.test": {"A": ["127.0.0.3"]},
    "trusted.smtpdoctor.test": {"A": ["127.0.0.4"]},
    "forged.smtpdoctor.test": {"A": ["127.0.0.99"]},
    "3.0.0.127.in-addr.arpa": {"PTR": ["client3.smtpdoctor.test."]},
    "4.0.0.127.in-addr.arpa": {"PTR": ["trusted.smtpdoctor.test."]},
    "5.0.0.127.in-addr.arpa": {"PTR": ["forged.smtpdoctor.test."]},
    # DNSBL (RFC 5782 test points: 127.0.0.2 listed, 127.0.0.1 not)
    f"2.0.0.127.{RBL_ZONE}": {"A": ["127.0.0.2"], "TXT": ["Listed for testing; see https://rbl.smtpdoctor.test/127.0.0.2"]},
    # RHSBL (RFC 5782 test point "test" listed, "invalid" not)
    f"test.{RHSBL_ZONE}": {"A": ["127.0.1.2"], "TXT": ["test point"]},
    f"{LISTED_DOMAIN}.{RHSBL_ZONE}": {"A": ["127.0.1.2"], "TXT": ["Listed domain for testing"]},
    LISTED_DOMAIN: {"A": ["127.0.0.1"], "MX": ["10 mx.smtpdoctor.test."]},
}
