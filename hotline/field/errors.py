"""The field service's one error: a step that is not allowed (wrong state, wrong technician…);
its message is for the user."""


class FieldError(ValueError):
    pass
