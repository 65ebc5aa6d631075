"""Thin rasa_sdk actions: each reads the tracker, calls `bot/`, and sends the answer."""
