"""No dead ends (issue 11, 2.11): every event type any code path submits or queues as a follow-up
is started by a registered sequence, so no job waits forever ("pending: no sequence registered")
while the rep is told that work is under way.

The event types are read from the code itself: every `Event(...)` built outside tests, benches
and the orchestrator's own replay of queued follow-ups, its `type` resolved statically
(a literal, `EventType.X`, a module constant, a dict a value is looked up in, or a function
parameter resolved at that function's call sites). A `type` this cannot resolve fails the test:
keep it resolvable, so what gets submitted stays checkable.
"""

from __future__ import annotations

import ast
from pathlib import Path

from flows.registry import build_registry
from orchestrator.events import EventType

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app.py", "bot", "flows", "connectors", "storage", "cli", "skills", "blocks")
SKIP = {"tests/support/sequences.py", "tests/support/worker_process.py"}
# The orchestrator turning a queued follow-up (already an Event checked where it was built)
# back into an Event when it spawns the child job.
REPLAY = {("orchestrator/runner.py", "_spawn_children")}


class Unresolved(Exception):
    pass


class Module:
    def __init__(self, rel: str, tree: ast.Module) -> None:
        self.rel = rel
        self.tree = tree
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.assigns: dict[str, ast.expr] = {}
        self.imports: dict[str, tuple[str, str]] = {}
        for stmt in tree.body:
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
            ):
                self.assigns[stmt.targets[0].id] = stmt.value
            elif (
                isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value
            ):
                self.assigns[stmt.target.id] = stmt.value
            elif isinstance(stmt, ast.ImportFrom) and stmt.module:
                for a in stmt.names:
                    self.imports[a.asname or a.name] = (stmt.module, a.name)

    def function_of(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None


def load_modules() -> dict[str, Module]:
    out: dict[str, Module] = {}
    for entry in PACKAGES:
        paths = [ROOT / entry] if entry.endswith(".py") else sorted((ROOT / entry).rglob("*.py"))
        for path in paths:
            rel = path.relative_to(ROOT).as_posix()
            if rel not in SKIP:
                out[rel] = Module(rel, ast.parse(path.read_text(), filename=rel))
    return out


def module_by_name(mods: dict[str, Module], dotted: str) -> Module | None:
    path = dotted.replace(".", "/")
    return mods.get(path + ".py") or mods.get(path + "/__init__.py")  # a module or a package


class Resolver:
    def __init__(self, mods: dict[str, Module]) -> None:
        self.mods = mods

    def values(
        self, mod: Module, expr: ast.expr, scope: ast.AST | None, depth: int = 0
    ) -> set[str]:
        if depth > 6:
            raise Unresolved("too deep")
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if (
            isinstance(expr, ast.Attribute)
            and isinstance(expr.value, ast.Name)
            and expr.value.id == "EventType"
        ):
            return {EventType[expr.attr].value}
        if isinstance(expr, ast.Attribute) and expr.attr == "value":
            return self.values(mod, expr.value, scope, depth + 1)
        if isinstance(expr, ast.Dict):  # a mapping: any of its values
            return set().union(
                *(self.values(mod, v, scope, depth + 1) for v in expr.values if v is not None)
            )
        if isinstance(expr, ast.Tuple | ast.List | ast.Set):
            return set().union(*(self.values(mod, v, scope, depth + 1) for v in expr.elts))
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr == "get"
        ):
            return self.values(mod, expr.func.value, scope, depth + 1)  # MAPPING.get(key)
        if isinstance(expr, ast.Subscript):
            return self.values(mod, expr.value, scope, depth + 1)  # MAPPING[key]
        if isinstance(expr, ast.Name):
            return self.name(mod, expr.id, scope, depth + 1)
        raise Unresolved(ast.unparse(expr))

    def name(self, mod: Module, name: str, scope: ast.AST | None, depth: int) -> set[str]:
        func = scope if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) else None
        if func is not None:
            local = [
                n.value
                for n in ast.walk(func)
                if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
            ]
            if local:
                return set().union(*(self.values(mod, v, func, depth) for v in local))
            loops = [
                n.iter
                for n in ast.walk(func)
                if isinstance(n, ast.For) and isinstance(n.target, ast.Name) and n.target.id == name
            ]
            if loops:
                return set().union(*(self.values(mod, v, func, depth) for v in loops))
            params = [
                a.arg for a in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)
            ]
            if name in params:
                return self.call_sites(mod, func, params.index(name), name, depth)
            outer = mod.function_of(func)
            if outer is not None:
                return self.name(mod, name, outer, depth)
        if name in mod.assigns:
            return self.values(mod, mod.assigns[name], None, depth)
        if name in mod.imports:
            source, real = mod.imports[name]
            other = module_by_name(self.mods, source)
            if other is not None:
                return self.name(other, real, None, depth)
        raise Unresolved(name)

    def call_sites(self, mod: Module, func: ast.FunctionDef | ast.AsyncFunctionDef, index: int,
                   name: str, depth: int) -> set[str]:  # fmt: skip
        found: set[str] = set()
        calls = [n for n in ast.walk(mod.tree) if isinstance(n, ast.Call)
                 and isinstance(n.func, ast.Name) and n.func.id == func.name]  # fmt: skip
        if not calls:
            raise Unresolved(f"{func.name}({name}) has no call site in {mod.rel}")
        for call in calls:
            kw = [k.value for k in call.keywords if k.arg == name]
            arg = kw[0] if kw else (call.args[index] if index < len(call.args) else None)
            if arg is None:
                raise Unresolved(f"{func.name}({name}) at {mod.rel}:{call.lineno}")
            found |= self.values(mod, arg, mod.function_of(call), depth)
        return found


def submitted_event_types() -> dict[str, set[str]]:
    """{event type: {file:line, ...}} for every Event built in the product code."""
    mods = load_modules()
    resolver = Resolver(mods)
    out: dict[str, set[str]] = {}
    problems: list[str] = []
    for mod in mods.values():
        for node in ast.walk(mod.tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Event"
            ):
                continue
            func = mod.function_of(node)
            if func is not None and (mod.rel, func.name) in REPLAY:
                continue
            kw = [k.value for k in node.keywords if k.arg == "type"]
            expr = kw[0] if kw else (node.args[0] if node.args else None)
            where = f"{mod.rel}:{node.lineno}"
            try:
                if expr is None:
                    raise Unresolved("no type")
                for t in resolver.values(mod, expr, func):
                    out.setdefault(t, set()).add(where)
            except Unresolved as exc:
                problems.append(f"{where}: cannot tell the event type ({exc})")
    assert not problems, "\n".join(problems)
    return out


def test_every_submitted_event_type_has_a_sequence() -> None:
    registry = build_registry()
    submitted = submitted_event_types()
    assert {"meeting_ended", "email_received", "calendar_find_times", "email_send"} <= set(
        submitted
    )
    orphans = {t: sorted(where) for t, where in submitted.items()
               if registry.get(registry.sequence_type_for(t)) is None}  # fmt: skip
    assert orphans == {}, f"submitted but no sequence performs them: {orphans}"


def test_the_resolver_sees_through_mappings_and_parameters() -> None:
    """The checker itself: a follow-up type looked up in a mapping, passed through a helper."""
    src = (
        "from orchestrator.events import Event, EventType\n"
        "MAP = {'a': EventType.PROPOSAL_GENERATION, 'b': 'calendar_find_times'}\n"
        "def helper(ctx, event_type):\n"
        "    ctx.queue_followup(Event(type=event_type, source='s', org_id=1, user_id=1))\n"
        "def step(ctx, label):\n"
        "    kind = MAP.get(label)\n"
        "    helper(ctx, kind)\n"
    )
    mod = Module("x.py", ast.parse(src))
    call = next(
        n
        for n in ast.walk(mod.tree)
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "Event"
    )
    found = Resolver({"x.py": mod}).values(mod, call.keywords[0].value, mod.function_of(call))
    assert found == {"proposal_generation", "calendar_find_times"}
