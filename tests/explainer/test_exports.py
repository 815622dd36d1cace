"""The public surface of smtpdoctor.explainer."""

import smtpdoctor.explainer as explain


def test_exported_names():
    assert sorted(explain.__all__) == sorted([
        "classify_reply", "explain_text", "explain_message", "explain_inputs", "Explanation", "Explained",
        "Recipient", "Kind", "Tally"])
    for name in explain.__all__:
        assert hasattr(explain, name)
