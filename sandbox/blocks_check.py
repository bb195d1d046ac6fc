"""Block Kit validation for the sandbox: Slack's limits, reported the way Slack reports them.

`message_block_errors(blocks)` and `view_errors(view)` return a list of reasons, empty when
the payload is valid. Each reason ends with a JSON pointer to what broke, as Slack's
`invalid_blocks` answers do: ``must be at most 3000 characters [json-pointer:/blocks/0/text/text]``.
Uniqueness as Slack enforces it: an action_id is unique within its block, a block_id within
its message or view. Limits follow docs.slack.dev and python-slack-sdk's model constants (see
`shared/reference/EXTERNAL_APIS.md`, "Block Kit limits").
"""

from __future__ import annotations

from typing import Any

# Slack's limits, kept here on purpose: the sandbox is a fake of Slack and imports nothing from
# the app (blocks/text.py holds the app's copy; tests/unit/test_blocks_text.py checks they agree).
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
SECTION_FIELDS_MAX = 10
CONTEXT_ELEMENTS_MAX = 10
CONTEXT_TEXT_MAX = 3000
HEADER_MAX = 150
INPUT_LABEL_MAX = 2000
ACTIONS_ELEMENTS_MAX = 25
BLOCK_ID_MAX = 255
ACTION_ID_MAX = 255
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
PLACEHOLDER_MAX = 150
PLAIN_TEXT_INPUT_MAX = 3000
RADIO_OPTIONS_MAX = 10
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
MODAL_TITLE_MAX = 24
PRIVATE_METADATA_MAX = 3000
CALLBACK_ID_MAX = 255

BLOCK_TYPES = {
    "section",
    "header",
    "divider",
    "context",
    "actions",
    "input",
    "image",
    "rich_text",
    "markdown",
    "video",
    "file",
}

INPUT_ELEMENTS = {
    "plain_text_input",
    "static_select",
    "multi_static_select",
    "external_select",
    "multi_external_select",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
    "radio_buttons",
    "checkboxes",
    "timepicker",
    "datepicker",
    "datetimepicker",
    "number_input",
    "email_text_input",
    "url_text_input",
    "rich_text_input",
    "file_input",
}
ACTION_ELEMENTS = (INPUT_ELEMENTS - {"file_input", "rich_text_input"}) | {"button", "overflow"}
ACCESSORY_ELEMENTS = (ACTION_ELEMENTS - {"plain_text_input", "number_input"}) | {"image"}
SELECTS_WITH_OPTIONS = {"static_select", "multi_static_select"}
OPTION_LIMITS = {
    "static_select": (1, 100),
    "multi_static_select": (1, 100),
    "overflow": (1, 5),
    "radio_buttons": (1, RADIO_OPTIONS_MAX),
    "checkboxes": (1, 10),
}


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    # ------------------------------------------------------------------ primitives
    def string(self, value: Any, pointer: str, max_len: int, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.fail("is required", pointer)
            return
        if not isinstance(value, str):
            self.fail("must be a string", pointer)
        elif len(value) > max_len:
            self.fail(f"must be at most {max_len} characters (got {len(value)})", pointer)
        elif required and not value:
            self.fail("must be more than 0 characters", pointer)

    def text(
        self,
        obj: Any,
        pointer: str,
        max_len: int,
        *,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        if obj is None:
            if required:
                self.fail("is required", pointer)
            return
        if not isinstance(obj, dict):
            self.fail("must be a text object", pointer)
            return
        kind = obj.get("type")
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if kind not in allowed:
            self.fail(f"type must be one of {', '.join(allowed)} (got {kind!r})", f"{pointer}/type")
        self.string(obj.get("text"), f"{pointer}/text", max_len, required=True)

    def option(self, obj: Any, pointer: str) -> None:
        if not isinstance(obj, dict):
            self.fail("must be an option object", pointer)
            return
        self.text(obj.get("text"), f"{pointer}/text", OPTION_TEXT_MAX)
        self.string(obj.get("value"), f"{pointer}/value", OPTION_VALUE_MAX, required=True)
        if obj.get("description") is not None:
            self.text(obj.get("description"), f"{pointer}/description", OPTION_TEXT_MAX)
        self.string(obj.get("url"), f"{pointer}/url", 3000)

    def items(self, value: Any, pointer: str, lo: int, hi: int) -> list[Any]:
        if value is None:
            value = []
        if not isinstance(value, list):
            self.fail("must be an array", pointer)
            return []
        if len(value) < lo:
            self.fail(f"must have at least {lo} items (got {len(value)})", pointer)
        if len(value) > hi:
            self.fail(f"must have at most {hi} items (got {len(value)})", pointer)
        return value

    # ------------------------------------------------------------------ elements
    def element(self, el: Any, pointer: str, allowed: set[str], where: str) -> None:
        if not isinstance(el, dict):
            self.fail("must be an element object", pointer)
            return
        kind = el.get("type")
        if kind not in allowed:
            self.fail(f"unsupported element type {kind!r} in {where}", f"{pointer}/type")
            return
        if kind == "image":
            self.string(el.get("alt_text"), f"{pointer}/alt_text", 2000, required=True)
            if not el.get("image_url") and not el.get("slack_file"):
                self.fail("image_url or slack_file is required", pointer)
            return
        self.string(el.get("action_id"), f"{pointer}/action_id", ACTION_ID_MAX)
        if el.get("placeholder") is not None:
            self.text(el["placeholder"], f"{pointer}/placeholder", PLACEHOLDER_MAX, plain_only=True)
        if kind == "button":
            self.text(el.get("text"), f"{pointer}/text", BUTTON_TEXT_MAX, plain_only=True)
            self.string(el.get("value"), f"{pointer}/value", BUTTON_VALUE_MAX)
            self.string(el.get("url"), f"{pointer}/url", 3000)
            style = el.get("style")
            if style is not None and style not in ("primary", "danger"):
                self.fail(f"style must be primary or danger (got {style!r})", f"{pointer}/style")
        if kind in OPTION_LIMITS:
            lo, hi = OPTION_LIMITS[kind]
            if kind in SELECTS_WITH_OPTIONS and el.get("option_groups") is not None:
                groups = self.items(el["option_groups"], f"{pointer}/option_groups", 1, 100)
                for g, group in enumerate(groups):
                    gp = f"{pointer}/option_groups/{g}"
                    self.text(group.get("label"), f"{gp}/label", 75, plain_only=True)
                    for o, opt in enumerate(
                        self.items(group.get("options"), f"{gp}/options", 1, 100)
                    ):
                        self.option(opt, f"{gp}/options/{o}")
            else:
                options = self.items(el.get("options"), f"{pointer}/options", lo, hi)
                for o, opt in enumerate(options):
                    self.option(opt, f"{pointer}/options/{o}")
            if el.get("initial_option") is not None:
                self.option(el["initial_option"], f"{pointer}/initial_option")
        if kind == "plain_text_input":
            for key in ("min_length", "max_length"):
                value = el.get(key)
                if value is not None and (
                    not isinstance(value, int) or not 0 <= value <= PLAIN_TEXT_INPUT_MAX
                ):
                    self.fail(
                        f"must be an integer from 0 to {PLAIN_TEXT_INPUT_MAX}", f"{pointer}/{key}"
                    )
        if kind == "timepicker":
            initial = el.get("initial_time")
            if initial is not None and not _is_hhmm(initial):
                self.fail("must be HH:mm", f"{pointer}/initial_time")

    # ------------------------------------------------------------------ blocks
    def block(self, block: Any, pointer: str, surface: str) -> None:
        if not isinstance(block, dict):
            self.fail("must be a block object", pointer)
            return
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            self.fail(f"unsupported block type {kind!r}", f"{pointer}/type")
            return
        self.string(block.get("block_id"), f"{pointer}/block_id", BLOCK_ID_MAX)
        if kind == "section":
            text, fields = block.get("text"), block.get("fields")
            if text is None and not fields:
                self.fail("section needs text or fields", pointer)
            if text is not None:
                self.text(text, f"{pointer}/text", SECTION_TEXT_MAX)
            if fields is not None:
                for f, field in enumerate(
                    self.items(fields, f"{pointer}/fields", 1, SECTION_FIELDS_MAX)
                ):
                    self.text(field, f"{pointer}/fields/{f}", FIELD_TEXT_MAX)
            if block.get("accessory") is not None:
                self.element(
                    block["accessory"], f"{pointer}/accessory", ACCESSORY_ELEMENTS, "section"
                )
        elif kind == "header":
            self.text(block.get("text"), f"{pointer}/text", HEADER_MAX, plain_only=True)
        elif kind == "context":
            for e, el in enumerate(
                self.items(block.get("elements"), f"{pointer}/elements", 1, CONTEXT_ELEMENTS_MAX)
            ):
                if isinstance(el, dict) and el.get("type") in ("plain_text", "mrkdwn"):
                    self.text(el, f"{pointer}/elements/{e}", CONTEXT_TEXT_MAX)
                else:
                    self.element(el, f"{pointer}/elements/{e}", {"image"}, "context")
        elif kind == "actions":
            elements = self.items(
                block.get("elements"), f"{pointer}/elements", 1, ACTIONS_ELEMENTS_MAX
            )
            seen: set[str] = set()
            for e, el in enumerate(elements):
                self.element(el, f"{pointer}/elements/{e}", ACTION_ELEMENTS, "actions")
                action_id = el.get("action_id") if isinstance(el, dict) else None
                if isinstance(action_id, str):
                    if action_id in seen:
                        self.fail(
                            f"duplicate action_id {action_id!r}: action_ids must be unique "
                            "within a block",
                            f"{pointer}/elements/{e}/action_id",
                        )
                    seen.add(action_id)
        elif kind == "input":
            self.text(block.get("label"), f"{pointer}/label", INPUT_LABEL_MAX, plain_only=True)
            if block.get("hint") is not None:
                self.text(block["hint"], f"{pointer}/hint", INPUT_LABEL_MAX, plain_only=True)
            self.element(block.get("element"), f"{pointer}/element", INPUT_ELEMENTS, "input")
        elif kind == "image":
            self.element({**block, "type": "image"}, pointer, {"image"}, "image block")
            if block.get("title") is not None:
                self.text(block["title"], f"{pointer}/title", 2000, plain_only=True)
        elif kind == "markdown":
            self.string(block.get("text"), f"{pointer}/text", 12000, required=True)
        elif kind == "rich_text":
            self.items(block.get("elements"), f"{pointer}/elements", 1, 10_000)

    def blocks(self, blocks: Any, pointer: str, max_blocks: int, surface: str) -> None:
        if blocks is None:
            return
        if not isinstance(blocks, list):
            self.fail("must be an array", pointer)
            return
        if len(blocks) > max_blocks:
            self.fail(f"must have at most {max_blocks} items (got {len(blocks)})", pointer)
        seen: set[str] = set()
        for i, block in enumerate(blocks):
            self.block(block, f"{pointer}/{i}", surface)
            block_id = block.get("block_id") if isinstance(block, dict) else None
            if block_id is not None:
                if block_id in seen:
                    self.fail(f"duplicate block_id {block_id!r}", f"{pointer}/{i}/block_id")
                seen.add(block_id)


def _is_hhmm(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        return False
    hh, mm = value[:2], value[3:]
    return hh.isdigit() and mm.isdigit() and int(hh) < 24 and int(mm) < 60


def message_block_errors(blocks: Any) -> list[str]:
    """Reasons why `blocks` would be refused on a message (empty when valid)."""
    checker = _Checker()
    checker.blocks(blocks, "/blocks", MESSAGE_BLOCKS_MAX, "message")
    return checker.errors


def view_errors(view: Any) -> list[str]:
    """Reasons why a modal or home `view` would be refused (empty when valid)."""
    checker = _Checker()
    if not isinstance(view, dict):
        checker.fail("must be a view object", "/view")
        return checker.errors
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.fail(f"type must be modal or home (got {kind!r})", "/view/type")
    if kind == "modal":
        checker.text(view.get("title"), "/view/title", MODAL_TITLE_MAX, plain_only=True)
        has_input = any(
            isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or []
        )
        if view.get("submit") is not None:
            checker.text(view["submit"], "/view/submit", MODAL_TITLE_MAX, plain_only=True)
        elif has_input:
            checker.fail("a modal with input blocks needs submit", "/view/submit")
        if view.get("close") is not None:
            checker.text(view["close"], "/view/close", MODAL_TITLE_MAX, plain_only=True)
    if view.get("blocks") is None:
        checker.fail("is required", "/view/blocks")
    checker.blocks(view.get("blocks"), "/view/blocks", VIEW_BLOCKS_MAX, kind or "view")
    checker.string(view.get("private_metadata"), "/view/private_metadata", PRIVATE_METADATA_MAX)
    checker.string(view.get("callback_id"), "/view/callback_id", CALLBACK_ID_MAX)
    checker.string(view.get("external_id"), "/view/external_id", CALLBACK_ID_MAX)
    return checker.errors
