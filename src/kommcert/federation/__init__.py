"""Federation between kommcert instances: peers, what they may receive, sightings sent back."""
