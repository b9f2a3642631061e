"""The CMP schema, the fast PKIMessage summary and OID names."""
