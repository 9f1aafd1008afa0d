using Livt.Runtime;

LivtRuntime.Initialize();
return 0;
