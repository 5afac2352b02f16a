from deckgen.cli.commands import main

main()
