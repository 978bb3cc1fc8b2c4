"""The shipped models; installed with the package as ``nlp.models`` (see ``nlp.resources``)."""
