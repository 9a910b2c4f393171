"""The dashboard's pages: each module reads what its page shows through the bus and answers
its own forms."""
