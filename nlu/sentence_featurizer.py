"""A dense featurizer giving DIET the sentence's meaning: the same sentence model as the matter
search (bot.search.dense.embedder), one vector per message as a sentence-level feature.

Character n-grams fit the training examples' wording; the vector carries what a complaint or an
off-topic message means in words no example used (老板拖欠工资 → complain, not check_status).
If the model cannot load, the features are zeros: DIET still runs on the sparse features, and
the log says so once."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.search.dense.embedder import SHARED_KEY, Embedder, load_embedder, share
from bot.search.normalize import MAX_QUERY_CHARS, normalize

DIM = 384  # multilingual-e5-small; zeros of this size when no model loads


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceFeaturizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "embedder": None}  # None: BOT_EMBEDDER decides

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Any `embedder` name is accepted: an unknown one logs and gives zeros."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SentenceFeaturizer":
        return cls(config, execution_context.node_name)

    def __init__(self, config: dict[str, Any], name: str, embedder: Optional[Embedder] = None):
        super().__init__(name, config)
        self._embedder = embedder
        self._loaded = embedder is not None

    def _model(self) -> Optional[Embedder]:
        if not self._loaded:  # on the first message, not when the graph is built
            self._embedder = load_embedder(self._config.get("embedder"))
            self._loaded = True
        return self._embedder

    def _embed(self, text: str) -> tuple[str, np.ndarray]:
        embedder = self._model()
        # The search's normalisation (traditional -> simplified, full-width -> half-width).
        text = normalize(text or "", MAX_QUERY_CHARS)
        if embedder is None or not text:
            return text, np.zeros(DIM, dtype=np.float32)
        return text, embedder.query(text)

    def process(self, messages: list[Message]) -> list[Message]:
        """A citizen's message: the feature, and the vector in the parse data for the search."""
        for message in messages:
            if message.get(TEXT) is not None:
                self._add(message, share_vector=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            if message.get(TEXT):
                self._add(message, share_vector=False)
        return training_data

    def _add(self, message: Message, share_vector: bool) -> None:
        text, vector = self._embed(message.get(TEXT))
        sentence = vector.reshape(1, -1).astype(np.float32)
        self.add_features_to_message(sequence=None, sentence=sentence, attribute=TEXT, message=message)
        if share_vector and self._embedder is not None and text:
            message.set(SHARED_KEY, share(self._embedder, text, vector), add_to_output=True)
