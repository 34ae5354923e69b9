"""Schemathesis hooks for `.ci/schemathesis`.

They touch positive test cases (and, for fixtures, the path of any case) only to make them
what a positive case claims to be: a request the API's contract accepts. No check is changed
and no failure is filtered. Negative test cases are otherwise sent exactly as generated
(editing one makes Schemathesis revalidate it, and a case that loses its negative mode gets the
-H headers back, such as the Authorization a missing-credentials case must not carry).

- Idempotency-Key: a client sends a new key with each new request (the same key with another
  request is refused with 422, as the IETF draft says). Generated keys repeat ("0", "00"), so
  each well-formed key gets a counter appended, keeping it well-formed.
- References and dates: a body's ids must name records the caller may use (a priority area
  of the plan, a published plan of the alliance, a member of the provider, a joint project's
  lead organisation and its participants...) and its dates must be in order and not in the
  future (and a query's period too). The document says which format they take, not which
  records exist: in a positive case, each such field present takes a real value from the data
  `.ci/schemathesis` made (PCREF_ST_DATA), whichever phase generated the case (a list of ids,
  a list of that one id; a project's aim, a deadline within the project's dates); an
  invitation code, one of the spare invitations' codes. A joint project's update reports on a
  day from the project's start and not before its latest update: the hook reads the project
  (which may be one a case created, with dates of its own) and moves the day forward to both
  when it is earlier.
- Fixtures: cases that delete or withdraw take the records made to be deleted instead of
  those the bodies above refer to (negative cases too: one whose only fault is an extra
  header is carried out; only its path is edited).
- Publishing: the If-Match of POST /plans/{plan_id}/publications must be the ETag of a preview
  of the plan as it is now, and a plan with priority areas whose communities were not consulted
  is published only with a stated reason, after its warnings are acknowledged. The hook gives
  the case a reason and the acknowledgement when it has none, asks for the matching preview and
  sends its ETag, so that positive cases reach the publishing logic instead of stopping at 412
  or 422.
- Two Schemathesis 4.32 quirks, worked around rather than reported as the API's failures:
  the coverage phase cannot generate a header value its pattern requires quotes for (If-Match)
  and puts a negative value into the "default positive" case of an operation where the header
  is optional: such a value is dropped (the header is optional); and a stateful link that
  carries a null id from a response (`organisation_id` of the built-in template) renders it as
  the path segment "None": it is replaced by a UUID that names nothing.
"""

import itertools
import json
import os
import re

import requests
import schemathesis

KEY = re.compile(r"^[\x21-\x7E]{1,255}$")
_counter = itertools.count(1)

# Set by `.ci/schemathesis` for each pass: the server and the token the pass runs with.
BASE = os.environ["PCREF_ST_BASE"]
TOKEN = os.environ["PCREF_ST_TOKEN"]
with open(os.environ["PCREF_ST_DATA"], encoding="utf-8") as data_file:
    DATA = json.load(data_file)

# Body fields whose value must name a real record or keep dates in order: field -> data key.
REFERENCES = {
    "priority_id": "priority",
    "from_plan_id": "plan",
    "template_id": "template",
    "owner_user_id": "user",
    "organisation_id": "own_organisation",
    "submitted_by_organisation_id": "own_organisation",
    "about_organisation_id": "provider",
    "publication_id": "publication",
    "action_id": "published_action",
    "starts_on": "starts",
    "period_starts_on": "starts",
    "ends_on": "ends",
    "period_ends_on": "ends",
    "reported_on": "past",
    "received_on": "past",
    "lead_organisation_id": "provider",
    "owner_organisation_id": "own_organisation",
    "done_on": "past",
}
# Body fields holding lists of ids of records the caller may link: field -> data key.
LIST_REFERENCES = {
    "publication_ids": "publication",
    "learning_item_ids": "learning_item",
}
PUBLISH = "/api/v1/plans/{plan_id}/publications"
PROJECT_UPDATES = "/api/v1/projects/{project_id}/updates"
ACCEPT = "/api/v1/invitations/accept"
_accepted = itertools.count(0)
NOBODY = "00000000-0000-4000-8000-000000000000"


def _is_positive(case):
    meta = getattr(case, "meta", None)
    mode = getattr(getattr(meta, "generation", None), "mode", None)
    return mode is not None and getattr(mode, "value", str(mode)) == "positive"


def _header_patterns(case):
    raw = getattr(getattr(case.operation, "definition", None), "raw", None) or {}
    patterns = {}
    for parameter in raw.get("parameters", []):
        if parameter.get("in") == "header" and not parameter.get("required"):
            pattern = (parameter.get("schema") or {}).get("pattern")
            if pattern:
                patterns[parameter["name"].lower()] = re.compile(pattern)
    return patterns


@schemathesis.hook
def before_call(context, case, kwargs):
    # Deleting and withdrawing take their own records, never those the other operations'
    # bodies refer to (a plan, its priority area, goal and action, the publications), whatever
    # the case's mode: a negative case whose only fault is an extra header is carried out.
    # Only the path is edited, so the other parts keep the mode they were generated with.
    destructive = case.method.upper() == "DELETE" or case.operation.path.endswith("/withdraw")
    for name, value in list((case.path_parameters or {}).items()):
        if destructive and value in DATA["protected"] and name in DATA["disposable"]:
            case.path_parameters[name] = DATA["disposable"][name]

    if not _is_positive(case):
        return

    for name, value in list((case.path_parameters or {}).items()):
        if value is None or value == "None":
            case.path_parameters[name] = NOBODY

    if isinstance(case.body, dict):
        learning = "/learning" in case.operation.path
        # A change of a case study's attribution changes its link too (the item may link a
        # publication of the other attribution).
        if (learning and case.body.get("attribution") is not None
                and "item_id" in (case.path_parameters or {})
                and case.body.get("publication_id") is None):
            case.body["publication_id"] = DATA["publication"]
            case.body["action_id"] = DATA["published_action"]
        # A case study links an action only with the published plan it belongs to.
        if (learning and case.body.get("action_id") is not None
                and case.body.get("publication_id") is None):
            case.body["publication_id"] = DATA["publication"]
        for field, key in REFERENCES.items():
            if case.body.get(field) is not None:
                case.body[field] = DATA[key]
        for field, key in LIST_REFERENCES.items():
            if isinstance(case.body.get(field), list) and case.body[field]:
                case.body[field] = [DATA[key]]
        # A joint project's aim has a deadline: within the project's dates.
        aim = case.body.get("aim")
        if isinstance(aim, dict) and aim.get("deadline") is not None:
            aim["deadline"] = DATA["ends"]
        # An anonymous case study links an anonymous publication (a named one would tell
        # readers whose it is). A change that does not say reads the item's attribution.
        attribution = case.body.get("attribution")
        item = (case.path_parameters or {}).get("item_id")
        if attribution is None and item and case.body.get("publication_id") is not None:
            found = requests.get(
                f"{BASE}/api/v1/learning/{item}",
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=30,
            )
            if found.status_code == 200:
                attribution = found.json().get("attribution")
        if attribution == "anonymous":
            for field, key in (("publication_id", "anonymous_publication"),
                               ("action_id", "anonymous_action")):
                if case.body.get(field) is not None:
                    case.body[field] = DATA[key]
        # The priority area an action serves is one of its plan's: the case acts on the plan
        # (or the action) the priority area belongs to.
        if case.body.get("priority_id") is not None:
            if "plan_id" in (case.path_parameters or {}):
                case.path_parameters["plan_id"] = DATA["plan"]
            if "action_id" in (case.path_parameters or {}):
                case.path_parameters["action_id"] = DATA["action"]
        # A project's update reports on a day from the project's start, not before its latest
        # update, and (when it moves the phase) not before the current phase was entered (ISO
        # dates compare as strings).
        if (case.operation.path == PROJECT_UPDATES and case.method.upper() == "POST"
                and case.body.get("reported_on") is not None):
            project = (case.path_parameters or {}).get("project_id")
            found = requests.get(
                f"{BASE}/api/v1/projects/{project}",
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=30,
            )
            if found.status_code == 200:
                read = found.json()
                days = [read.get("starts_on"), read.get("last_update_on")]
                if case.body.get("phase") is not None:
                    days.append(read.get("phase_entered_on"))
                floor = [d for d in days if isinstance(d, str)]
                case.body["reported_on"] = max([case.body["reported_on"], *floor])
        # Invitation codes work once: each positive case takes the next unused one (and, once
        # they are all used, the last again, which answers 409).
        if case.operation.path == ACCEPT and isinstance(case.body.get("code"), str):
            case.body["code"] = DATA["codes"][min(next(_accepted), len(DATA["codes"]) - 1)]

    # A period's start is not after its end.
    query = case.query or {}
    start, end = query.get("published_from"), query.get("published_to")
    if isinstance(start, str) and isinstance(end, str) and start > end:
        query["published_from"], query["published_to"] = end, start

    headers = case.headers
    if not headers:
        return
    optional = _header_patterns(case)
    for name in list(headers):
        value = headers[name]
        pattern = optional.get(name.lower())
        if pattern is not None and not (isinstance(value, str) and pattern.search(value)):
            del headers[name]
        elif name.lower() == "idempotency-key" and isinstance(value, str) and KEY.match(value):
            suffix = f".{next(_counter)}"
            headers[name] = value[: 255 - len(suffix)] + suffix

    if case.operation.path == PUBLISH and case.method.upper() == "POST":
        body = case.body if isinstance(case.body, dict) else None
        if body is None:
            return
        if not body.get("consultation_exception"):
            body["consultation_exception"] = "Consultation is planned for the next quarter."
        body["acknowledge_warnings"] = True
        preview = {k: body[k] for k in ("attribution", "consultation_exception") if k in body}
        plan = case.path_parameters.get("plan_id")
        response = requests.post(
            f"{BASE}/api/v1/plans/{plan}/publish-preview",
            json=preview,
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        etag = response.headers.get("ETag")
        if response.status_code == 200 and etag:
            for name in list(headers):
                if name.lower() == "if-match":
                    headers[name] = etag
