"""The field service's one error: a step that is not allowed (wrong state, wrong technician…);
its message is for the user, in the panel's language (hotline.errors)."""

from hotline.errors import DomainError


class FieldError(DomainError):
    pass
