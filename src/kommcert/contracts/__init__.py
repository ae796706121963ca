"""The Land's framework contract with incident-response providers: rate card and contingents."""
