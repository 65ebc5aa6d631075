"""An NLU component that keeps text which cannot be a status request out of the status form.

DIET's character n-grams read SQL (`'; DROP TABLE …`), markup and other Latin text as a receipt
number, and the form then holds the citizen. Placed after the FallbackClassifier, this turns
check_status and inform_receipt into nlu_fallback when the text could not be one (see
`bot.status.plausible_status_message`); the fallback rule sends it to the catalogue."""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.status import plausible_status_message

STATUS_INTENTS = ("check_status", "inform_receipt")
FALLBACK = "nlu_fallback"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class StatusIntentGuard(GraphComponent):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "StatusIntentGuard":
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get(INTENT_NAME_KEY)
            if name in STATUS_INTENTS and not plausible_status_message(name, message.get(TEXT) or ""):
                fallback = {INTENT_NAME_KEY: FALLBACK, PREDICTED_CONFIDENCE_KEY: intent.get(PREDICTED_CONFIDENCE_KEY)}
                message.set(INTENT, fallback, add_to_output=True)
                ranking = message.get(INTENT_RANKING_KEY) or []
                message.set(INTENT_RANKING_KEY, [fallback] + ranking, add_to_output=True)
        return messages
