"""The supervisor's (role admin) service settings page (issue 18)."""
