"""The V2 compliance auditor: size rules over a codebase, scored, with a refactoring plan."""
