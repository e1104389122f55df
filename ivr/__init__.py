"""The hotline's FastAGI IVR (``hotline ivr serve``)."""
