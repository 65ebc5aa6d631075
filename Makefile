# The two set-up commands: `make run` and `make test`. Everything else is here for them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-embedder.txt | md5sum | cut -c1-12)
CATALOGUE ?= knowledge
# Another catalogue gets a database of its own, so that its answers are not mixed with the demo's.
ifneq ($(CATALOGUE),knowledge)
export BOT_DATABASE_URL ?= sqlite:///$(CURDIR)/var/$(basename $(notdir $(CATALOGUE))).db
endif
# Nothing may reach the network at run time: no telemetry.
export RASA_TELEMETRY_ENABLED := false

.PHONY: model install browser services lint validate run run-prod stop-prod test bench screenshots clean import dictionary train search

install: $(STAMP)

$(STAMP): requirements.txt requirements-embedder.txt scripts/find-python
	@python=$$(scripts/find-python 3.10) || exit 1; \
	if [ ! -x $(PY) ]; then echo "creating $(VENV) with $$python"; "$$python" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade "pip<24"
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-embedder.txt
	$(PY) -m pip check
	rm -f $(VENV)/.installed-* && touch $@

# Debian's Chromium (and a Chinese font for screenshots) for the browser tests: Playwright's own
# browser download is not reachable here. Without it the browser tests skip, saying why.
browser:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null 2>&1 || \
	  { $$sudo apt-get update -qq >/dev/null 2>&1 && $$sudo apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null 2>&1; } || \
	  echo "Chromium could not be installed: the browser tests will be skipped" >&2; }

# PostgreSQL, Redis and nginx for the production layout and its tests (tests/test_prod.py skips,
# saying why, without them).
services:
	@command -v redis-server >/dev/null && command -v nginx >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get install -y -qq --no-install-recommends postgresql redis-server nginx-light >/dev/null 2>&1 || \
	  { $$sudo apt-get update -qq >/dev/null 2>&1 && $$sudo apt-get install -y -qq --no-install-recommends postgresql redis-server nginx-light >/dev/null 2>&1; } || \
	  echo "PostgreSQL, Redis or nginx could not be installed: the production layout's tests will be skipped" >&2; }

# The search's own sentence model (docs/search.md, training/README.md): examples from the
# catalogues and training/data, then the top layers of multilingual-e5-small fine-tuned on the CPU
# in a venv of its own (Python 3.11 and torch, which Rasa's never has), then the reranker made
# from its lower layers. About 80 minutes on 2 cores; writes bot/search/dense/daoban-e5.layers and
# daoban-rerank.layers. Not part of `make test`.
TRAIN_VENV := .venv-train
STOCK_MODEL = $(shell $(PY) -c 'from bot.search.dense.trained import stock_model_path; print(stock_model_path())')
model: install
	@[ -x $(TRAIN_VENV)/bin/python ] || { python=$$(scripts/find-python 3.11) && "$$python" -m venv $(TRAIN_VENV); }
	$(TRAIN_VENV)/bin/python -m pip install --quiet -r training/requirements.txt
	$(PY) -m training.prepare var/training/examples.json
	$(TRAIN_VENV)/bin/python -m training.train $(STOCK_MODEL) var/training/examples.json bot/search/dense/daoban-e5.layers
	$(TRAIN_VENV)/bin/python -m training.rerank $(STOCK_MODEL) var/training/examples.json bot/search/dense/daoban-rerank.layers

import: install
	$(PY) -m bot catalogue import $(CATALOGUE)

dictionary: install
	$(PY) -m bot dictionary var/jieba

# rasa train keeps the last model when config, domain, data and dictionary are unchanged; the
# sentence model its featurizer runs (bot/search/dense/daoban-e5.layers) is outside what it
# compares, so a newer one forces training.
LAYERS := bot/search/dense/daoban-e5.layers
train: dictionary
	$(PY) -m rasa train --fixed-model-name daoban --out models $$([ models/daoban.tar.gz -nt $(LAYERS) ] || echo --force)

run: import train
	scripts/run-bot

# The production layout on this machine: PostgreSQL, Redis, nginx on BOT_PORT (8080) in front of
# RASA_INSTANCES Rasa servers and ACTION_INSTANCES action servers (docs/deploy.md).
run-prod: train services
	scripts/run-prod

stop-prod:
	@[ -s var/prod/run.pid ] && kill "$$(cat var/prod/run.pid)" && echo "stopping" || echo "not running"

search: import
	@echo "Ask about a matter (Ctrl-D to quit):"
	$(PY) -m bot search

lint: install
	$(PY) -m pyflakes bot actions connectors nlu tests bench scripts training

validate: install
	$(PY) -m rasa data validate --fail-on-warnings

# Lint, Rasa's data checks, training (skipped when nothing changed), pytest (the end-to-end
# tests use the trained model), then the test stories against it.
test: lint validate train browser services
	$(PY) -m pytest -q
	$(PY) -m rasa test core --stories tests/stories --fail-on-prediction-errors --out var/results

bench: install
	$(PY) bench/search_bench.py

# The pictures in the README: the widget (desktop and phone), the kiosk and a guide page.
screenshots: train browser
	$(PY) scripts/screenshots.py docs/screenshots

clean:
	rm -rf $(VENV) var .pytest_cache
