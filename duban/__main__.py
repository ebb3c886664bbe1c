from duban.cli import main

main()
