"""The bot's own web pages, on the Rasa server's origin: the printable guide pages (`/guide`,
`/guide/<code>`); see docs/channels.md."""
