namespace MultiAgent.Contracts; public static class Placeholder;
