"""fireside-ask: send questions to a Fireside hub from any terminal."""

__version__ = "0.1.0"
