"""The Rasa server's entry point and, later, its input channels and web front ends."""
