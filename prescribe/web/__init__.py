"""Web layer: one blueprint per feature, thin views over the domain and storage services."""
