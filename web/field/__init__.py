"""Field service in the panel (issue 15): the technician's phone page and the supervisor's pages."""
