"""Documents written beside the templates: pictures and tables of the organization."""
