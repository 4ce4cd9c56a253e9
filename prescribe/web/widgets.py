"""HTML inputs, written out in Python: the builder's rows, and the fields of every WTForms form.

The builder page has about 160 inputs. WTForms' widgets build each attribute with
``Markup.format`` (about 0.1 ms an input, a quarter of the page's time), and a Jinja macro call
per input costs nearly as much, so the inputs are written here, with the same markup as WTForms
(attributes in its sorted order; a test compares the two for every field of every form). Every
value is escaped here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from markupsafe import Markup, escape
from wtforms import widgets as wtforms_widgets
from wtforms.widgets.core import clean_key

if TYPE_CHECKING:
    from .builder.page import Input


def _error_attributes(field: Input, counted: bool = False) -> str:
    """Tie an input to its length counter and, when invalid, to its message for screen readers."""
    described = [f"{field.id}-count"] if counted else []
    if field.errors:
        described.append(f"{field.id}-error")
    invalid = ' aria-invalid="true"' if field.errors else ""
    return (f' aria-describedby="{escape(" ".join(described))}"' if described else "") + invalid


def hidden_input(field: Input) -> Markup:
    return Markup(f'<input id="{escape(field.id)}" name="{escape(field.name)}" type="hidden" '
                  f'value="{escape(field.value)}">')


def number_input(field: Input, limits: tuple[int, int], *, hidden: bool = False) -> Markup:
    """A whole-number input with its allowed range; ``hidden`` keeps the value of an unused dose input."""
    low, high = limits
    if hidden:
        return Markup(f'<input id="{escape(field.id)}" max="{high}" min="{low}" name="{escape(field.name)}" '
                      f'type="hidden" value="{escape(field.value)}">')
    return Markup(f'<input{_error_attributes(field)} id="{escape(field.id)}" inputmode="numeric" max="{high}" '
                  f'min="{low}" name="{escape(field.name)}" size="4" type="number" value="{escape(field.value)}">')


def text_input(field: Input, maxlength: int | None = None, *, multiline: bool = False) -> Markup:
    """A one-line text input, or a textarea (whose leading line break browsers drop).

    A length limit is shown, not enforced by the browser (``maxlength`` would drop what is typed
    past it without a word): :func:`length_counter` says it before typing, the form's message after.
    """
    length = f' data-maxlength="{maxlength}"' if maxlength else ""
    attributes = _error_attributes(field, counted=bool(maxlength))
    if multiline:
        return Markup(f'<textarea{attributes} id="{escape(field.id)}"{length} '
                      f'name="{escape(field.name)}">\r\n{escape(field.value)}</textarea>')
    return Markup(f'<input{attributes} id="{escape(field.id)}"{length} name="{escape(field.name)}" '
                  f'type="text" value="{escape(field.value)}">')


def length_counter(field: Input, maxlength: int | None) -> Markup:
    """"Up to 200 characters" under a text input (builder.js counts as the therapist types)."""
    if not maxlength:
        return Markup("")
    said = escape(_("Up to %(max)d characters", max=maxlength))
    return Markup(f'<small class="counter" id="{escape(field.id)}-count" data-counter-for="{escape(field.id)}">'
                  f'{said}</small>')


def checkbox_input(field: Input) -> Markup:
    checked = " checked" if field.checked else ""
    return Markup(f'<input{checked} id="{escape(field.id)}" name="{escape(field.name)}" type="checkbox" value="y">')


def select_input(field: Input, choices: Iterable, selected: str | None) -> Markup:
    """A builder row's select of ``choices`` (WTForms ``SelectChoice``s) with ``selected`` chosen."""
    wanted = None if selected is None else str(selected)  # None: nothing chosen yet, as WTForms
    options = "".join(
        f'<option{" selected" if str(choice.value) == wanted else ""} value="{escape(choice.value)}">'
        f'{escape(choice.label)}</option>'
        for choice in choices)
    return Markup(f'<select id="{escape(field.id)}" name="{escape(field.name)}">{options}</select>')


def _error_messages(field: Input) -> str:
    return "".join(f'<p class="error" id="{escape(field.id)}-error">{escape(error)}</p>' for error in field.errors)


def number_field(field: Input, label: str, limits: tuple[int, int], unit: str = "") -> Markup:
    """A labelled number input with its unit and error messages: one dose input of a builder row."""
    invalid = " has-error" if field.errors else ""
    unit_html = f'<span class="unit">{escape(unit)}</span>' if unit else ""
    return Markup(f'<div class="num{invalid}">\n<label for="{escape(field.id)}">{escape(label)}</label>\n'
                  f'<span class="num-input">{number_input(field, limits)}{unit_html}</span>\n'
                  f'{_error_messages(field)}</div>')


def dose_fields(doses) -> Markup:
    """A builder row's dose inputs (builder_page.DoseInput): the shown ones labelled, the others hidden."""
    return Markup("\n".join(number_field(dose.input, dose.label, dose.limits, dose.unit) if dose.shown
                             else number_input(dose.input, dose.limits, hidden=True) for dose in doses))


def text_field(field: Input, label: str, maxlength: int | None, *, class_: str = "",
               multiline: bool = False) -> Markup:
    """A labelled text input or textarea with its error messages."""
    invalid = " has-error" if field.errors else ""
    return Markup(f'<div class="field {escape(class_)}{invalid}">\n'
                  f'<label for="{escape(field.id)}">{escape(label)}</label>\n'
                  f'{text_input(field, maxlength, multiline=multiline)}\n{length_counter(field, maxlength)}'
                  f'{_error_messages(field)}</div>')


def advice_lines(lines) -> Markup:
    """Lines of advice (builder_page.AdviceRow): each text kept in a hidden input, printed when ticked."""
    return Markup("\n".join(
        f'<div class="check{" has-error" if line.text.errors else ""}">\n{hidden_input(line.text)}\n'
        f'{checkbox_input(line.included)}\n<label for="{escape(line.included.id)}">{escape(line.text.value)}</label>\n'
        f'{_error_messages(line.text)}</div>'
        for line in lines))


def attributes(values: Mapping[str, object]) -> str:
    """HTML attributes as WTForms writes them: sorted, True bare, False left out (each with a leading space)."""
    parts = []
    for name, value in sorted(values.items()):
        if value is True:
            parts.append(f" {clean_key(name)}")
        elif value is not False:
            parts.append(f' {clean_key(name)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return "".join(parts)


def _with_validation_flags(field, widget, attrs: dict) -> dict:
    """Add the attributes the field's validators imply (required, maxlength, min, ...), as WTForms does."""
    for flag, value in vars(field.flags).items():
        if flag in widget.validation_attrs and flag not in attrs:
            attrs[flag] = value() if callable(value) else value
    return attrs


def _input(field, widget, attrs: dict) -> Markup:
    attrs.setdefault("id", field.id)
    attrs.setdefault("type", widget.input_type)
    if "value" not in attrs:
        attrs["value"] = field._value()
    attrs = _with_validation_flags(field, widget, attrs)
    return Markup(f"<input{attributes({'name': field.name, **attrs})}>")


def _checkbox(field, widget, attrs: dict) -> Markup:
    if getattr(field, "checked", field.data):
        attrs.setdefault("checked", True)
    return _input(field, widget, attrs)


def _password(field, widget, attrs: dict) -> Markup:
    if widget.hide_value:
        attrs["value"] = ""
    return _input(field, widget, attrs)


def _textarea(field, widget, attrs: dict) -> Markup:
    attrs.setdefault("id", field.id)
    attrs = _with_validation_flags(field, widget, attrs)
    return Markup(f"<textarea{attributes({'name': field.name, **attrs})}>\r\n{escape(field._value())}</textarea>")


def _select(field, widget, attrs: dict) -> Markup:
    attrs.setdefault("id", field.id)
    attrs = _with_validation_flags(field, widget, attrs)
    options = []
    for choice in field._iter_choices_normalized():
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        option = {"value": value, **(choice.render_kw or {})}
        if choice.selected:
            option["selected"] = True
        options.append(f"<option{attributes(option)}>{escape(choice.label or choice.value)}</option>")
    return Markup(f"<select{attributes({'name': field.name, **attrs})}>{''.join(options)}</select>")


# Widgets written out here; any other widget (or a subclass) renders through WTForms itself.
_RENDERERS = {
    wtforms_widgets.TextInput: _input,
    wtforms_widgets.HiddenInput: _input,
    wtforms_widgets.EmailInput: _input,
    wtforms_widgets.DateInput: _input,
    wtforms_widgets.NumberInput: _input,
    wtforms_widgets.ColorInput: _input,
    wtforms_widgets.CheckboxInput: _checkbox,
    wtforms_widgets.PasswordInput: _password,
    wtforms_widgets.TextArea: _textarea,
}


def render_wtforms_field(field, render_kw: Mapping[str, object]) -> Markup:
    """``field(**render_kw)`` for a WTForms field: the same markup as its widget, written faster."""
    attrs = {clean_key(name): value for name, value in {**(field.render_kw or {}), **render_kw}.items()}
    widget = field.widget
    renderer = _RENDERERS.get(type(widget))
    if type(widget) is wtforms_widgets.Select and not widget.multiple and not field.has_groups():
        renderer = _select
    if renderer is None or getattr(field, "_datalist", None) is not None:
        return widget(field, **attrs)
    return renderer(field, widget, attrs)


class FastRenderMeta:
    """Mixed into the WTForms ``Meta`` of our forms: fields render through :func:`render_wtforms_field`."""

    def render_field(self, field, render_kw):
        return render_wtforms_field(field, render_kw)


def register_widgets(jinja_globals: dict) -> None:
    """Make the widgets callable from every template."""
    jinja_globals.update(hidden_input=hidden_input, checkbox_input=checkbox_input, select_input=select_input,
                         dose_fields=dose_fields, text_field=text_field, advice_lines=advice_lines)
