from kommcert.cli.main import main

main()
