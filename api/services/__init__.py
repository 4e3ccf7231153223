"""What routes call beyond the store: inputs parsed, stored plans read once, maps, the demo."""
