"""`python -m connectors.rasa_server run …` is `rasa run …` with one fix for Rasa 3.6.

Rasa checks every custom action's reply with `jsonschema.validate(reply, schema)`, which first
checks the constant schema itself against the JSON Schema metaschema and then builds a new
validator: 4 ms of each turn's CPU with jsonschema 3.2 and 50 ms with 4.17, on the one core the
Rasa server runs on (docs/benchmarks.md). Here the validator is built once. Every reply is still
validated against the same schema, and an invalid one still raises the same error."""
from __future__ import annotations

import sys
from typing import Any

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction

_rasa_validate = RemoteAction._validate_action_result


def _reply_validator():  # noqa: ANN202
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


_REPLY_VALIDATOR = _reply_validator()


def validate_action_reply(action: RemoteAction, reply: dict[str, Any]) -> bool:
    if exceptions.best_match(_REPLY_VALIDATOR.iter_errors(reply)) is None:
        return True
    return _rasa_validate(action, reply)  # raises Rasa's own error, with its explanation


def main() -> None:
    RemoteAction._validate_action_result = validate_action_reply
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
