"""The parameters Stripe accepts, read from the pinned SDK's own TypedDicts (``stripe.params``) at test time.

The fake Stripe API validates every request against these, at every depth:
names, closed ``Literal`` values, required keys and basic types (an amount is
an integer, a flag is ``true``/``false``).  Nothing is copied by hand, so an
SDK upgrade brings its parameter tree with it.

Values arrive as the SDK form-encodes them (``process_config[skip_tipping]=true``,
``line_items[0][quantity]=1``) and are nested back into dicts and lists by the
fake before they are checked here.
"""

from __future__ import annotations

import re
import sys
import typing
from typing import Any, NamedTuple, Union

import typing_extensions

_INT = re.compile(r"-?\d+")
_FLOAT = re.compile(r"-?\d+(\.\d+)?")


class Node(NamedTuple):
    kind: str  # dict, map, list, literal, int, float, bool, str, any, union
    fields: Any = None
    """dict: {name: (node, required)}; map, list: the item node; literal: the allowed values; union: nodes."""


class Refusal(NamedTuple):
    message: str
    param: str


def _request_option_keys() -> frozenset[str]:
    from stripe._request_options import RequestOptions

    return frozenset(RequestOptions.__annotations__)


def _namespace(module: str) -> dict[str, Any]:
    ns: dict[str, Any] = dict(vars(typing))
    ns.update(vars(typing_extensions))
    ns.update(vars(sys.modules[module]))
    return ns


def _node(tp: Any, module: str) -> Node:
    """A schema node for one annotation, forward references evaluated in the module that wrote them."""
    if isinstance(tp, str):
        return _node(eval(tp, _namespace(module)), module)  # noqa: S307 - the SDK's own annotations
    if isinstance(tp, typing.ForwardRef):
        return _node(eval(tp.__forward_arg__, _namespace(module)), module)  # noqa: S307
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.NotRequired, typing.Required, typing_extensions.NotRequired, typing_extensions.Required):
        return _node(args[0], module)
    if origin is Union or type(tp).__name__ == "UnionType":
        options = [_node(a, module) for a in args if a is not type(None)]
        return options[0] if len(options) == 1 else Node("union", options)
    if origin in (typing.Literal, typing_extensions.Literal):
        return Node("literal", frozenset(str(a).lower() if isinstance(a, bool) else str(a) for a in args))
    if origin in (list, tuple, typing.List):
        return Node("list", _node(args[0], module) if args else Node("any"))
    if origin in (dict, typing.Dict) or (origin is not None and getattr(origin, "__name__", "") in (
            "UntypedStripeObject", "Mapping")):
        return Node("map", _node(args[-1], module) if args else Node("any"))
    if typing_extensions.is_typeddict(tp):
        return typed_dict(tp)
    if tp is bool:
        return Node("bool")
    if tp is int:
        return Node("int")
    if tp is float:
        return Node("float")
    if tp is str:
        return Node("str")
    return Node("any")


_TREES: dict[type, Node] = {}


def typed_dict(cls: type) -> Node:
    """The tree of a params TypedDict (request options such as ``idempotency_key`` are not parameters).

    Built once per class; a class that refers to itself gets the node being built.
    """
    if cls in _TREES:
        return _TREES[cls]
    skip = _request_option_keys()
    fields: dict[str, tuple[Node, bool]] = {}
    tree = _TREES[cls] = Node("dict", fields)
    for name, annotation in cls.__annotations__.items():
        if name not in skip:
            fields[name] = (_node(annotation, cls.__module__), name in cls.__required_keys__)
    return tree


def check(node: Node, value: Any, path: str = "") -> Refusal | None:
    """The first thing Stripe would refuse in ``value`` (a nested form), or None."""
    kind = node.kind
    if kind == "any":
        return None
    if kind == "union":
        refusals = []
        for option in node.fields:
            refusal = check(option, value, path)
            if refusal is None:
                return None
            refusals.append((option, refusal))
        # Say what is wrong with the option of the same shape (a misspelt key inside a hash, not "not an integer").
        shaped = [r for option, r in refusals if _shape(option) == _shape_of(value)]
        return (shaped or [r for _, r in refusals])[0]
    if kind == "dict":
        if not isinstance(value, dict):
            return Refusal(f"Invalid object{_at(path)}", path)
        fields = node.fields
        for name in value:
            if name not in fields:
                where = _join(path, name)
                return Refusal(f"Received unknown parameter: {where}", where)
        for name, (child, required) in fields.items():
            if name not in value:
                if required:
                    where = _join(path, name)
                    return Refusal(f"Missing required param: {where}.", where)
                continue
            refusal = check(child, value[name], _join(path, name))
            if refusal is not None:
                return refusal
        return None
    if kind == "map":
        if not isinstance(value, dict):
            return Refusal(f"Invalid object{_at(path)}", path)
        for name, item in value.items():
            refusal = check(node.fields, item, _join(path, name))
            if refusal is not None:
                return refusal
        return None
    if kind == "list":
        if not isinstance(value, list):
            return Refusal(f"Invalid array{_at(path)}", path)
        for i, item in enumerate(value):
            refusal = check(node.fields, item, _join(path, str(i)))
            if refusal is not None:
                return refusal
        return None
    if not isinstance(value, str):
        return Refusal(f"Invalid {kind}{_at(path)}: expected a single value", path)
    if kind == "literal" and value not in node.fields:
        allowed = ", ".join(sorted(repr(v) for v in node.fields))
        return Refusal(f"Invalid {path}: must be one of {allowed}", path)
    if kind == "int" and not _INT.fullmatch(value):
        return Refusal(f"Invalid integer: {value}", path)
    if kind == "float" and not _FLOAT.fullmatch(value):
        return Refusal(f"Invalid decimal: {value}", path)
    if kind == "bool" and value not in ("true", "false"):
        return Refusal(f"Invalid boolean: {value}", path)
    return None


def _shape(node: Node) -> str:
    return {"dict": "dict", "map": "dict", "list": "list"}.get(node.kind, "leaf")


def _shape_of(value: Any) -> str:
    return "dict" if isinstance(value, dict) else "list" if isinstance(value, list) else "leaf"


def _join(path: str, name: str) -> str:
    return f"{path}[{name}]" if path else name


def _at(path: str) -> str:
    return f" for {path}" if path else ""


def params_class(dotted: str) -> type:
    """``"PaymentIntentCreateParams"`` or ``"terminal.ReaderProcessPaymentIntentParams"`` from ``stripe.params``."""
    import importlib

    *package, name = dotted.split(".")
    module = importlib.import_module(".".join(["stripe", "params", *package]))
    return getattr(module, name)  # type: ignore[no-any-return]


# -- what Stripe answers: the SDK's response classes ------------------------------------


def response_class(dotted: str) -> type:
    """``"Charge.PaymentMethodDetails.CardPresent"``: a response object's class in the SDK (``stripe.Charge``...)."""
    import stripe

    head, *rest = dotted.split(".")
    cls = getattr(stripe, head)
    for name in rest:
        cls = getattr(cls, name)
    return cls  # type: ignore[no-any-return]


def _hints(cls: type) -> dict[str, Any]:
    """A response class's annotations as the SDK wrote them (objects, not text: the closed values and nested
    classes are there as such; a name the SDK imports only for type checkers stays an unevaluated reference)."""
    hints: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        hints.update(getattr(klass, "__annotations__", {}))
    return hints


def _literals(tp: Any) -> frozenset[str] | None:
    """The closed values of an annotation like ``Optional[Union[Literal["a", "b"], str]]`` (None: not closed)."""
    if typing.get_origin(tp) is typing.Literal:
        return frozenset(typing.get_args(tp))
    found = [v for arg in typing.get_args(tp) if (v := _literals(arg)) is not None]
    return frozenset().union(*found) if found else None


def response_literals(dotted: str, field: str) -> frozenset[str]:
    """The values the SDK documents for a response field (its ``Literal``), e.g. a card's ``read_method``."""
    values = _literals(_hints(response_class(dotted))[field])
    assert values is not None, f"{dotted}.{field} has no closed set of values in the SDK"
    return values


def response_problems(value: dict[str, Any], dotted: str, path: str = "") -> list[str]:
    """What in ``value`` (an object the fake answers with) the real API could not send, by the SDK's class at
    ``dotted``: a field it does not have, or a value outside its documented ``Literal`` set, at every depth."""
    cls = response_class(dotted)
    hints = _hints(cls)
    problems: list[str] = []
    for name, item in value.items():
        where = f"{path}.{name}" if path else name
        if name not in hints:
            problems.append(f"{where}: no such field on {dotted}")
            continue
        if item is None:
            continue
        nested = [a for a in (hints[name], *typing.get_args(hints[name])) if isinstance(a, type)
                  and a.__qualname__.startswith(cls.__qualname__ + ".")]
        if nested and isinstance(item, dict):
            problems += response_problems(item, f"{dotted}.{nested[0].__name__}", where)
            continue
        allowed = _literals(hints[name])
        if allowed is not None and item not in allowed:
            problems.append(f"{where}: {item!r} is not one of {sorted(allowed)}")
    return problems
