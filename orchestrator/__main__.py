from galapagos.orchestrator.cli import main

main()
