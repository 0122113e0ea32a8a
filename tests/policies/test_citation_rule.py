"""The citation rule: a web address or a legal reference a reader could look up."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from policies.models import citation_link, citation_normalize, validate_citation

ACCEPTED = [
    "RSA 193-C:3",
    "RSA 193-C:3-a",
    "N.H. Code Admin. R. Ed 306.27",
    "N.H. Code Admin. R. Ed 306.27(d)",
    "Mich. Comp. Laws § 380.1278a",
    "Alaska Stat. § 14.03.123",
    "HB 1234 (2023)",
    "SB 45",
    "Pub. L. 114-95",
    "20 U.S.C. § 6311",
    "4 AAC 06.075 (proposed amendment)",
    "Executive Directive 2026-3",
    "Vt. Stat. Ann. tit. 16, § 941",
    "Student data: RSA 189:65",
    "https://www.education.nh.gov/",
    "http://legislature.mi.gov/Laws/MCL?objectName=mcl-380-1278a",
    "https://www.akleg.gov/basis/statutes.asp#14.03.123",
]

REFUSED = {
    "see the statute": "letters and a number",
    "12345": "letters and a number",
    "§§ ()": "letters and a number",
    "<b>HB 1</b>": "remove “<” “>”",
    "HB 12 {draft}": "remove “{” “}”",
    "javascript:alert(1)": "script or data link",
    "JavaScript :alert(1)": "script or data link",
    "data:text/html;base64,PHNjcmlwdD4": "script or data link",
    "www.education.nh.gov": "Add https://",
    "ftp://files.state.gov/rule.pdf": "must start with https:// or http://",
    "http://": "not complete",
    "https://example.gov/<script>": "cannot contain “<” “>”",
    "https://exa mple.gov": "not complete",
    "RSA 1" + "9" * 300: "at most 300 characters",
}


@pytest.mark.parametrize("citation", ACCEPTED)
def test_a_legal_reference_or_web_address_is_accepted(citation):
    validate_citation(citation)


@pytest.mark.parametrize(("citation", "message"), REFUSED.items())
def test_a_citation_nobody_could_look_up_is_refused_with_a_clear_message(citation, message):
    with pytest.raises(ValidationError) as caught:
        validate_citation(citation)
    assert message in " ".join(caught.value.messages)


def test_a_blank_citation_passes_the_rule_itself():
    validate_citation("")
    validate_citation("   ")


def test_whitespace_runs_become_one_space():
    assert citation_normalize("  RSA\t193-C:3 \n (2024) ") == "RSA 193-C:3 (2024)"


def test_only_a_valid_http_address_becomes_a_link():
    assert citation_link("https://www.education.nh.gov/") == "https://www.education.nh.gov/"
    assert citation_link("RSA 193-C:3") == ""
    assert citation_link("javascript://alert(1)") == ""
    assert citation_link("www.example.gov") == ""


@given(
    st.tuples(st.text(max_size=30), st.sampled_from("<>"), st.text(max_size=30)).map("".join),
    st.sampled_from(["", "https://example.gov/", "RSA 193-C:3 "]),
)
def test_no_citation_with_angle_brackets_is_ever_accepted(text, start):
    text = start + text
    with pytest.raises(ValidationError):
        validate_citation(text)


@given(st.text(max_size=80))
def test_every_accepted_reference_has_a_letter_and_a_digit(text):
    try:
        validate_citation(text)
    except ValidationError:
        return
    value = citation_normalize(text)
    assert (
        value == ""
        or "://" in value
        or (any(c.isalpha() for c in value) and any(c.isdigit() for c in value))
    )
