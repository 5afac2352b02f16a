from deckgen.launch import main

main()
