"""The account's menu, from a YAML file in the repository (knowledge/wechat_menu.yml): checked
against WeChat's limits, turned into the JSON of its menu API, and read for the questions its
`click` buttons ask."""
from __future__ import annotations

from pathlib import Path

import yaml

TYPES = {"click", "view", "location_select", "scancode_push", "miniprogram"}
MAX_BUTTONS, MAX_SUB_BUTTONS = 3, 5


class MenuError(ValueError):
    pass


def load_menu(path: Path) -> dict:
    with Path(path).open(encoding="utf-8") as file:
        menu = yaml.safe_load(file) or {}
    buttons = menu.get("button")
    if not isinstance(buttons, list) or not 0 < len(buttons) <= MAX_BUTTONS:
        raise MenuError(f"{path}: `button` must list 1 to {MAX_BUTTONS} buttons")
    for top in buttons:
        subs = top.get("sub_button") if isinstance(top, dict) else None
        if subs is not None:
            if not isinstance(subs, list) or not 0 < len(subs) <= MAX_SUB_BUTTONS:
                raise MenuError(f"{path}: {top.get('name')!r} must have 1 to {MAX_SUB_BUTTONS} sub-buttons")
            _check(path, top, 16, leaf=False)
            for sub in subs:
                _check(path, sub, 60, leaf=True)
        else:
            _check(path, top, 16, leaf=True)
    return menu


def _check(path: Path, button: object, max_name_bytes: int, leaf: bool) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("name"), str) or not button["name"]:
        raise MenuError(f"{path}: every button needs a name")
    name = button["name"]
    if len(name.encode("utf-8")) > max_name_bytes:
        raise MenuError(f"{path}: {name!r} is longer than WeChat's {max_name_bytes} bytes")
    if not leaf:
        return
    kind = button.get("type")
    if kind not in TYPES:
        raise MenuError(f"{path}: {name!r} has type {kind!r}; expected one of {sorted(TYPES)}")
    if kind == "view" and not str(button.get("url") or "").startswith(("http://", "https://")):
        raise MenuError(f"{path}: {name!r} (view) needs a url")
    if kind != "view" and not button.get("key"):
        raise MenuError(f"{path}: {name!r} needs a key")
    if kind == "click" and not button.get("question"):
        raise MenuError(f"{path}: {name!r} (click) needs the question it asks")


def api_menu(menu: dict) -> dict:
    """The menu as WeChat's menu/create API takes it (our `question` stays here)."""
    def clean(button: dict) -> dict:
        out = {k: v for k, v in button.items() if k not in ("question", "sub_button")}
        if "sub_button" in button:
            out["sub_button"] = [clean(sub) for sub in button["sub_button"]]
        return out

    return {"button": [clean(button) for button in menu["button"]]}


def click_questions(path: Path) -> dict[str, str]:
    """The question each `click` key asks (a missing or invalid file stops the start: MenuError)."""
    menu = load_menu(path)
    questions = {}
    for top in menu["button"]:
        for button in top.get("sub_button") or [top]:
            if button.get("type") == "click":
                questions[button["key"]] = button["question"]
    return questions
