"""Every change to workflow data, one function per use case (see each module)."""
