"""SPF (RFC 7208), written by hand: a sans-I/O record parser with positions for syntax errors, macro
expansion, an async check_host() over an injected resolver, a static lookup tree (what each
include costs) (the audit that turns both into findings is smtpdoctor.flows.spf).

Why not pyspf: it is a Python-2-era, thinly maintained code base built around its own synchronous DNS
layer, and it exposes neither the lookup tree nor per-term costs, void lookups or syntax-error
positions, which are what a diagnosis needs. check_host() here passes the whole RFC 7208 test suite.
"""
