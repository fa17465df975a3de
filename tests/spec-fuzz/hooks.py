"""Checks of our own for the spec fuzzing run (loaded by run.sh).

schemathesis's own `positive_data_acceptance` wants every request the
schema allows to be accepted. A schema cannot say that a unit id must exist,
that a round must be open or that an end date must follow a start date, so
the server answers such requests with 422 and a field error whose code names
the rule. This check replaces it: a request the schema allows may be refused
for such a rule, never for its form. It fails on

* 400, 413 or 415: the server could not read a request the schema allows;
* 422 with a field error whose code is a rule of form (length, range,
  pattern, format, a required field): the schema should have said so.
"""

import json

import schemathesis

# The codes of rules on a value's form: validator's own, and ours.
FORM_CODES = {
    "length",
    "range",
    "email",
    "url",
    "regex",
    "contains",
    "does_not_contain",
    "must_match",
    "non_control_character",
    "required",
    "username_chars",
    "not_a_number",
    "malformed",
    "unknown_kind",
    "unknown_field",
}


@schemathesis.check
def valid_data_refused_only_by_rules(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    # The stateful phase fills requests from earlier responses, not from the
    # schema: a null there (a unit without a parent) arrives as the text
    # "None" or drops a required parameter. Its requests are not known to
    # be ones the schema allows; every other check still applies to them.
    if meta.phase.name == "stateful":
        return None
    # An integer in a URL is written in digits: `/org-units/369.0` is read
    # as no id at all (400), though JSON Schema counts 369.0 an integer.
    # JSON bodies do take 369.0 (`api::extract::ValidJson`).
    parameters = [*(case.path_parameters or {}).values(), *(case.query or {}).values()]
    if any(isinstance(value, float) for value in parameters):
        return None
    status = response.status_code
    if status in (400, 413, 415):
        raise AssertionError(
            f"A request the schema allows was refused as unreadable ({status}): {response.text[:500]}"
        )
    if status != 422:
        return None
    try:
        errors = json.loads(response.text).get("errors") or []
    except ValueError:
        errors = []
    form = [e for e in errors if e.get("code") in FORM_CODES]
    if form:
        raise AssertionError(
            "A request the schema allows was refused for its form, which the schema should state: "
            + "; ".join(f"{e.get('field')}: {e.get('code')}" for e in form)
        )
    return None
